export { AuditLog, GENESIS_HASH, entryHash, type AuditHead, type AuditHeadRecord, type AuditHeadStore, type AuditLogOptions, type AuditScope } from './log';
export { ReasonCatalog, type ReasonKind, type ReasonCheck } from './reasons';
export { canonicalJson } from './canonical';
export { csvCell, csvRow } from './csv';
