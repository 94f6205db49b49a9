// Serves a folder on 127.0.0.1 (only: the data never leaves the machine) and prints the URL.
// Usage: node scripts/serve.mjs DIR [PORT]   (PORT 0 picks a free one)
import http from 'node:http';
import sirv from 'sirv';

const [dir = 'dist', port = '8080'] = process.argv.slice(2);
const serve = sirv(dir, { dev: true, etag: true });
const server = http.createServer((req, res) =>
  serve(req, res, () => {
    res.statusCode = 404;
    res.end('not found');
  }),
);
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`PCA Reconstruction Explorer: http://127.0.0.1:${server.address().port}/`);
});
