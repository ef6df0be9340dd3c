// Why a JSON schema can't be turned into a grammar. The messages are the C# server's, word for word, so a client
// sees the same refusal from either runtime; the routes turn both into 400s (see structuredWire.ts).

/** A keyword (or a keyword's value) the grammar compiler can't enforce: refused rather than ignored. */
export class UnsupportedSchemaError extends Error {
  constructor(readonly keyword: string, detail: string) {
    super(`JSON schema keyword '${keyword}' is not supported: ${detail}`);
    this.name = 'UnsupportedSchemaError';
  }
}

/** A malformed schema: a keyword with a value of the wrong shape, a $ref that points nowhere. */
export class InvalidSchemaError extends Error {
  constructor(readonly keyword: string, detail: string) {
    super(`Invalid JSON schema at '${keyword}': ${detail}`);
    this.name = 'InvalidSchemaError';
  }
}
