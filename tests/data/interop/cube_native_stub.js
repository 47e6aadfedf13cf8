// Stands in for @cubejs-backend/native (see cube_validate.js): Jinja and Python are not
// available, and any other call is an error.
function missing(name) {
  return () => { throw new Error(`@cubejs-backend/native.${name} is not available`); };
}
class NativeInstance {
  newJinjaEngine() {
    return { loadTemplate: missing('jinja'), renderTemplate: missing('jinja') };
  }
  async loadPythonContext() {
    return { filters: {}, functions: {}, variables: {} };
  }
}
module.exports = new Proxy({ NativeInstance, isFallbackBuild: () => true }, {
  get: (target, name) => (name in target ? target[name] : missing(String(name))),
});
