// @ts-self-types="./packet.d.ts"
// The packet entry point: TCP segmentation, TCP reassembly and IP fragment
// reassembly on the core socklab.js instantiates at import.
export { FragmentReassembler, segmentTcp, TcpReassembler, tcpSegmentedLength } from "./socklab.js";
