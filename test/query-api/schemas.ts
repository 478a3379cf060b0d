/**
 * JSON Schemas for the query-API responses, for ajv:
 * - Zipkin: the `definitions` of zipkin2-api.yaml (openzipkin/zipkin-api; Swagger 2.0) restated as JSON Schema
 *   draft-07: Endpoint, Annotation, Tags, Span, Trace, ListOfTraces, DependencyLink, and the string lists the
 *   name endpoints answer. Additional properties are refused, so a field the API does not define fails.
 * - Jaeger: the structured response envelope of the query service's HTTP handler and its JSON model
 *   (jaeger model/json/model.go: Trace, Span, Reference, Process, Log, KeyValue, DependencyLink).
 */
import Ajv, { type ValidateFunction } from 'ajv';

const zipkinDefinitions = {
  Endpoint: {
    type: 'object',
    additionalProperties: false,
    properties: {
      serviceName: { type: 'string' },
      ipv4: { type: 'string', format: 'ipv4' },
      ipv6: { type: 'string', format: 'ipv6' },
      port: { type: 'integer' },
    },
  },
  Annotation: {
    type: 'object',
    additionalProperties: false,
    required: ['timestamp', 'value'],
    properties: { timestamp: { type: 'integer' }, value: { type: 'string' } },
  },
  Tags: { type: 'object', additionalProperties: { type: 'string' } },
  Span: {
    type: 'object',
    additionalProperties: false,
    required: ['traceId', 'id'],
    properties: {
      traceId: { type: 'string', minLength: 16, maxLength: 32, pattern: '^[a-z0-9]{16,32}$' },
      name: { type: 'string' },
      parentId: { type: 'string', minLength: 16, maxLength: 16, pattern: '^[a-z0-9]{16}$' },
      id: { type: 'string', minLength: 16, maxLength: 16, pattern: '^[a-z0-9]{16}$' },
      kind: { type: 'string', enum: ['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'] },
      timestamp: { type: 'integer' },
      duration: { type: 'integer', minimum: 1 },
      debug: { type: 'boolean' },
      shared: { type: 'boolean' },
      localEndpoint: { $ref: '#/definitions/Endpoint' },
      remoteEndpoint: { $ref: '#/definitions/Endpoint' },
      annotations: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/Annotation' } },
      tags: { $ref: '#/definitions/Tags' },
    },
  },
  ListOfSpans: { type: 'array', items: { $ref: '#/definitions/Span' } },
  Trace: { type: 'array', items: { $ref: '#/definitions/Span' } },
  ListOfTraces: { type: 'array', items: { $ref: '#/definitions/Trace' } },
  DependencyLink: {
    type: 'object',
    additionalProperties: false,
    required: ['parent', 'child', 'callCount'],
    properties: { parent: { type: 'string' }, child: { type: 'string' }, callCount: { type: 'integer' }, errorCount: { type: 'integer' } },
  },
  ListOfDependencyLinks: { type: 'array', items: { $ref: '#/definitions/DependencyLink' } },
  ListOfStrings: { type: 'array', items: { type: 'string' } },
};

const keyValue = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'type', 'value'],
  properties: { key: { type: 'string' }, type: { enum: ['string', 'bool', 'int64', 'float64', 'binary'] }, value: {} },
  allOf: [
    { if: { properties: { type: { const: 'string' } } }, then: { properties: { value: { type: 'string' } } } },
    { if: { properties: { type: { const: 'bool' } } }, then: { properties: { value: { type: 'boolean' } } } },
    { if: { properties: { type: { const: 'int64' } } }, then: { properties: { value: { type: 'integer' } } } },
    { if: { properties: { type: { const: 'float64' } } }, then: { properties: { value: { type: 'number' } } } },
  ],
};

const jaegerDefinitions = {
  KeyValue: keyValue,
  Reference: {
    type: 'object',
    additionalProperties: false,
    required: ['refType', 'traceID', 'spanID'],
    properties: { refType: { enum: ['CHILD_OF', 'FOLLOWS_FROM'] }, traceID: { $ref: '#/definitions/TraceID' }, spanID: { $ref: '#/definitions/SpanID' } },
  },
  TraceID: { type: 'string', pattern: '^(?:[0-9a-f]{16}|[0-9a-f]{32})$' },
  SpanID: { type: 'string', pattern: '^[0-9a-f]{16}$' },
  Log: {
    type: 'object',
    additionalProperties: false,
    required: ['timestamp', 'fields'],
    properties: { timestamp: { type: 'integer', minimum: 0 }, fields: { type: 'array', items: { $ref: '#/definitions/KeyValue' } } },
  },
  Process: {
    type: 'object',
    additionalProperties: false,
    required: ['serviceName', 'tags'],
    properties: { serviceName: { type: 'string' }, tags: { type: 'array', items: { $ref: '#/definitions/KeyValue' } } },
  },
  Span: {
    type: 'object',
    additionalProperties: false,
    required: ['traceID', 'spanID', 'operationName', 'references', 'startTime', 'duration', 'tags', 'logs', 'processID'],
    properties: {
      traceID: { $ref: '#/definitions/TraceID' },
      spanID: { $ref: '#/definitions/SpanID' },
      flags: { type: 'integer' },
      operationName: { type: 'string' },
      references: { type: 'array', items: { $ref: '#/definitions/Reference' } },
      startTime: { type: 'integer', minimum: 0 },
      duration: { type: 'integer', minimum: 0 },
      tags: { type: 'array', items: { $ref: '#/definitions/KeyValue' } },
      logs: { type: 'array', items: { $ref: '#/definitions/Log' } },
      processID: { type: 'string' },
      warnings: { type: ['array', 'null'], items: { type: 'string' } },
    },
  },
  Trace: {
    type: 'object',
    additionalProperties: false,
    required: ['traceID', 'spans', 'processes'],
    properties: {
      traceID: { $ref: '#/definitions/TraceID' },
      spans: { type: 'array', items: { $ref: '#/definitions/Span' } },
      processes: { type: 'object', additionalProperties: { $ref: '#/definitions/Process' } },
      warnings: { type: ['array', 'null'], items: { type: 'string' } },
    },
  },
  DependencyLink: {
    type: 'object',
    additionalProperties: false,
    required: ['parent', 'child', 'callCount'],
    properties: { parent: { type: 'string' }, child: { type: 'string' }, callCount: { type: 'integer', minimum: 0 }, source: { type: 'string' } },
  },
  Operation: { type: 'object', additionalProperties: false, required: ['name', 'spanKind'], properties: { name: { type: 'string' }, spanKind: { type: 'string' } } },
  Error: {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg'],
    properties: { code: { type: 'integer' }, msg: { type: 'string' }, traceID: { type: 'string' } },
  },
};

function envelope(data: object): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['data', 'total', 'limit', 'offset', 'errors'],
    properties: {
      data,
      total: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 0 },
      offset: { type: 'integer', minimum: 0 },
      errors: { oneOf: [{ type: 'null' }, { type: 'array', items: { $ref: '#/definitions/Error' } }] },
    },
  };
}

const ajv = new Ajv({ allErrors: true, strict: false, formats: { ipv4: /^(\d{1,3}\.){3}\d{1,3}$/, ipv6: /^[0-9a-fA-F:.]+$/ } });

function compile(definitions: object, root: object): ValidateFunction {
  return ajv.compile({ definitions, ...root });
}

export const zipkinSchemas = {
  strings: compile(zipkinDefinitions, { $ref: '#/definitions/ListOfStrings' }),
  trace: compile(zipkinDefinitions, { $ref: '#/definitions/Trace' }),
  traces: compile(zipkinDefinitions, { $ref: '#/definitions/ListOfTraces' }),
  dependencies: compile(zipkinDefinitions, { $ref: '#/definitions/ListOfDependencyLinks' }),
};

export const jaegerSchemas = {
  strings: compile(jaegerDefinitions, envelope({ type: 'array', items: { type: 'string' } })),
  operations: compile(jaegerDefinitions, envelope({ type: 'array', items: { $ref: '#/definitions/Operation' } })),
  traces: compile(jaegerDefinitions, envelope({ type: 'array', items: { $ref: '#/definitions/Trace' } })),
  dependencies: compile(jaegerDefinitions, envelope({ type: 'array', items: { $ref: '#/definitions/DependencyLink' } })),
  error: compile(jaegerDefinitions, envelope({ type: 'null' })),
};

/** Asserts `body` is valid; the thrown message lists ajv's errors. */
export function expectValid(validate: ValidateFunction, body: unknown): void {
  if (!validate(body)) throw new Error(`response does not match the schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
}
