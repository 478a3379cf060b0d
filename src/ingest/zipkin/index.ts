/** Zipkin v2 JSON ingest: the mapping onto SpanInput and the collector route. */
export { decodeZipkinSpans, sharedServerSpanId, ZipkinDecodeError, type ZipkinMapped } from './map';
export { zipkinSpansRoute, ZIPKIN_SPANS_PATH } from './route';
