// Local AT Protocol network (PLC, PDS, AppView, bsync, Ozone) on 127.0.0.1 for Comptoir's Bluesky tests.
// Run with: node -r ./loopback.cjs start-network.mjs ; configured by the environment set in tests/peers/bluesky.py.
import http from 'node:http';
import { pathToFileURL } from 'node:url';

// The script lives in the repository, the packages in the peers cache: import dev-env by its absolute path.
const { TestNetwork } = await import(pathToFileURL(process.env.DEV_ENV_ENTRY).href);
const port = (name) => Number(process.env[`${name}_PORT`]);
const t0 = Date.now();
const net = await TestNetwork.create({
  dbPostgresUrl: process.env.DB_POSTGRES_URL,
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA,
  plc: { port: port('PLC') },
  pds: { port: port('PDS'), hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: port('APPVIEW'), publicUrl: `http://localhost:${port('APPVIEW')}` },
  ozone: { port: port('OZONE'), chatUrl: 'http://localhost:2590', chatDid: 'did:example:chat' },
});
// Control endpoint for tests: POST /process-all returns once the AppView and Ozone have indexed everything.
http.createServer(async (req, res) => {
  try { await net.processAll(); res.end('ok'); } catch (e) { res.statusCode = 500; res.end(String(e)); }
}).listen(port('CONTROL'), '127.0.0.1');
console.log(JSON.stringify({ ready_ms: Date.now() - t0, plc: net.plc.url, pds: net.pds.url,
  appview: net.bsky.url, ozone: net.ozone.url }));
const stop = async () => { await net.close().catch(() => {}); process.exit(0); };
process.on('SIGTERM', stop); process.on('SIGINT', stop);
