/** What a change stream watches: one collection, one database, or the whole cluster (MongoDB's three levels). */
export type StreamScope =
  | { readonly kind: 'collection'; readonly db: string; readonly coll: string }
  | { readonly kind: 'database'; readonly db: string }
  | { readonly kind: 'cluster' };

/** Whether a change to `db`.`coll` (coll undefined: the database itself) is seen by the stream. */
export function inScope(scope: StreamScope, db: string, coll: string | undefined): boolean {
  switch (scope.kind) {
    case 'collection':
      return scope.db === db && (coll === undefined || scope.coll === coll);
    case 'database':
      return scope.db === db;
    case 'cluster':
      // MongoDB's cluster-wide streams leave out the internal databases.
      return db !== 'admin' && db !== 'config' && db !== 'local';
    default: {
      const never: never = scope;
      throw new Error(`unknown scope ${JSON.stringify(never)}`);
    }
  }
}

/** The cursor namespace MongoDB reports for the aggregate that opened the stream. */
export function cursorNamespace(scope: StreamScope): string {
  switch (scope.kind) {
    case 'collection':
      return `${scope.db}.${scope.coll}`;
    case 'database':
      return `${scope.db}.$cmd.aggregate`;
    case 'cluster':
      return 'admin.$cmd.aggregate';
    default: {
      const never: never = scope;
      throw new Error(`unknown scope ${JSON.stringify(never)}`);
    }
  }
}
