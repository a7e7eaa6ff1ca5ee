// HTTPS: a throwaway certificate from openssl, the server on TLS, and Deno's
// fetch trusting that certificate for one request.
//
//   deno run -A examples/http_tls.ts
import { serve } from "../deno/http/mod.ts";

const dir = await Deno.makeTempDir({ prefix: "socklab-tls-" });
const made = await new Deno.Command("openssl", {
  args: [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost",
    "-addext",
    "basicConstraints=critical,CA:FALSE", // a leaf, as rustls insists
    "-keyout",
    `${dir}/key.pem`,
    "-out",
    `${dir}/cert.pem`,
  ],
  stderr: "null",
}).output();
if (!made.success) throw new Error("openssl could not make a certificate");
const cert = await Deno.readTextFile(`${dir}/cert.pem`);
const key = await Deno.readTextFile(`${dir}/key.pem`);

const server = serve({ port: 0, cert, key }, () => new Response("hello over TLS\n"));
const { port } = server.addr as { port: number };
const client = Deno.createHttpClient({ caCerts: [cert] });
const res = await fetch(`https://localhost:${port}/`, { client });
console.log(res.status, (await res.text()).trim());
client.close();
await server.shutdown();
await Deno.remove(dir, { recursive: true });
