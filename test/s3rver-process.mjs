// Runs s3rver in a process of its own: its ListObjectsV2 continuation tokens use DES, which
// Node 20's OpenSSL 3 offers only with --openssl-legacy-provider (test/s3-server.ts passes it).
// Prints {"port":N} once listening; stops on SIGTERM.
import process from 'node:process';
import S3rver from 's3rver';

const server = new S3rver({ address: '127.0.0.1', port: Number(process.argv[3] ?? 0), silent: true, directory: process.argv[2] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});
