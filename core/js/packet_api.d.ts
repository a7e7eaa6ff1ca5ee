// Types of the packet API's implementation, which instantiate.js calls once
// per core. Not an entry point of the package.
import type { CoreBuffer } from "./checksum.d.ts";
import type { PacketApi } from "./packet.d.ts";

/** Builds the packet API over one instantiated core (called by instantiate.js). */
export declare function createPacketApi(
  exports: WebAssembly.Exports,
  helpers: {
    locate(buffer: CoreBuffer): number;
    CoreBuffer: typeof CoreBuffer;
  },
): PacketApi;
