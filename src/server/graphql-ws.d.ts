// tsconfig's `moduleResolution: node` does not read package `exports`, so the `graphql-ws/use/ws` subpath
// (resolved by Node at run time through those exports) is declared here from the file it maps to.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
