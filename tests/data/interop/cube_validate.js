// Usage: node cube_validate.js DIR (with NODE_PATH at the node_modules holding Cube).
// Compile a directory of Cube data model files with Cube's own schema compiler
// (@cubejs-backend/schema-compiler). Its Rust add-on (@cubejs-backend/native) ships as a
// binary downloaded at install time, which this machine can't fetch; YAML without Jinja or
// Python never calls it (the JavaScript transpilers run), so it is replaced by a stub that
// throws if anything does call it.
const Module = require('module');
const stub = require.resolve('./cube_native_stub.js');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === '@cubejs-backend/native' ? stub : resolve.call(this, request, ...rest);
};
const fs = require('fs');
const path = require('path');
const { compile } = require('@cubejs-backend/schema-compiler');

function files(root, dir = '') {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(root, rel);
    return rel.endsWith('.yml') ? [{ fileName: rel, content: fs.readFileSync(path.join(root, rel), 'utf-8') }] : [];
  });
}

async function main(dir) {
  try {
    const repository = { localPath: () => dir, dataSchemaFiles: async () => files(dir) };
    const { cubeEvaluator } = await compile(repository, { adapter: 'postgres' });
    console.log(JSON.stringify({ errors: [], cubes: Object.keys(cubeEvaluator.evaluatedCubes).sort() }));
  } catch (e) {
    console.log(JSON.stringify({ errors: [String(e.message || e)], cubes: [] }));
  }
}
main(process.argv[2]);
