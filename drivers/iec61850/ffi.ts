/**
 * The libiec61850 client API through koffi. Loaded ONLY inside the library worker
 * (worker.ts): nothing on the core's event loop touches the library.
 *
 * Prototypes follow libiec61850 1.5 (iec61850_client.h, mms_value.h, linked_list.h).
 * Calls that send on the network or take one of the connection's locks are made with
 * koffi's `.async` (a libuv thread), so the worker's event loop stays free to run the
 * callbacks the library's connection thread raises (reports, command termination,
 * connection closed) — a synchronous call there would deadlock against a callback that
 * waits for this thread.
 */
// koffi is an ES module with a CommonJS entry (index.cjs); the core compiles to CommonJS
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
type Koffi = typeof import('koffi', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi: Koffi = require('koffi');
export type KoffiFunction = ReturnType<ReturnType<Koffi['load']>['func']>;
export type KoffiType = ReturnType<Koffi['pointer']>;

export type Ptr = unknown;
type Fn = KoffiFunction;

export interface Lib {
  version: string;
  f: Record<string, Fn>;
  /** the report / termination / closed callback prototypes */
  ReportCallback: KoffiType;
  CommandTerminationHandler: KoffiType;
  ConnectionClosedHandler: KoffiType;
  /** true when the build has TLS (mbedTLS), else why not */
  tls: true | string;
}

/** Opens the shared library and declares the functions the binding uses. Throws with the loader's message. */
export function openLibrary(path: string): Lib {
  const lib = koffi.load(path);
  const P = (name: string): KoffiType => koffi.pointer(name, koffi.opaque());
  // one opaque pointer type per handle kind (names are global in koffi: reuse when declared twice)
  const types = ['TLSConfiguration', 'MmsVariableSpecification', 'IedConnection', 'MmsValuePtr', 'LinkedList', 'ControlObjectClient', 'ClientReportControlBlock', 'ClientReport', 'ClientDataSet'];
  for (const t of types) {
    try {
      P(t);
    } catch {
      /* already declared (second load in the same worker) */
    }
  }
  try {
    koffi.struct('LastApplError', { ctlNum: 'int', error: 'int', addCause: 'int' });
  } catch {
    /* declared */
  }
  const ReportCallback = protoOnce('void ReportCallbackFunction(void* parameter, ClientReport report)');
  const CommandTerminationHandler = protoOnce('void CommandTerminationHandler(void* parameter, ControlObjectClient control)');
  const ConnectionClosedHandler = protoOnce('void IedConnectionClosedHandler(void* parameter, IedConnection connection)');

  const decl: string[] = [
    'const char* LibIEC61850_getVersionString()',
    'int FunctionalConstraint_fromString(const char* fcString)',
    // connection
    'IedConnection IedConnection_create()',
    'void IedConnection_destroy(IedConnection self)',
    'void IedConnection_setConnectTimeout(IedConnection self, uint32_t timeoutInMs)',
    'void IedConnection_setRequestTimeout(IedConnection self, uint32_t timeoutInMs)',
    'void IedConnection_connect(IedConnection self, _Out_ int* error, const char* hostname, int tcpPort)',
    'void IedConnection_close(IedConnection self)',
    'int IedConnection_getState(IedConnection self)',
    'void IedConnection_installConnectionClosedHandler(IedConnection self, IedConnectionClosedHandler* handler, void* parameter)',
    // directory
    'LinkedList IedConnection_getServerDirectory(IedConnection self, _Out_ int* error, bool getFileNames)',
    'LinkedList IedConnection_getLogicalDeviceDirectory(IedConnection self, _Out_ int* error, const char* ldName)',
    'LinkedList IedConnection_getLogicalNodeDirectory(IedConnection self, _Out_ int* error, const char* lnRef, int acsiClass)',
    'LinkedList IedConnection_getDataDirectoryFC(IedConnection self, _Out_ int* error, const char* dataReference)',
    'LinkedList IedConnection_getDataSetDirectory(IedConnection self, _Out_ int* error, const char* dataSetReference, _Out_ bool* isDeletable)',
    // linked lists of strings
    'LinkedList LinkedList_getNext(LinkedList self)',
    'const char* LinkedList_getData(LinkedList self)',
    'void LinkedList_destroy(LinkedList self)',
    // read / write
    'MmsValuePtr IedConnection_readObject(IedConnection self, _Out_ int* error, const char* ref, int fc)',
    'void IedConnection_writeObject(IedConnection self, _Out_ int* error, const char* ref, int fc, MmsValuePtr value)',
    // type specifications (the component names of structures, in order)
    'MmsVariableSpecification IedConnection_getVariableSpecification(IedConnection self, _Out_ int* error, const char* ref, int fc)',
    'void MmsVariableSpecification_destroy(MmsVariableSpecification self)',
    'int MmsVariableSpecification_getType(MmsVariableSpecification self)',
    'const char* MmsVariableSpecification_getName(MmsVariableSpecification self)',
    'int MmsVariableSpecification_getSize(MmsVariableSpecification self)',
    'MmsVariableSpecification MmsVariableSpecification_getChildSpecificationByIndex(MmsVariableSpecification self, int index)',
    // MmsValue
    'int MmsValue_getType(MmsValuePtr self)',
    'void MmsValue_delete(MmsValuePtr self)',
    'int MmsValue_getArraySize(MmsValuePtr self)',
    'MmsValuePtr MmsValue_getElement(MmsValuePtr self, int index)',
    'bool MmsValue_getBoolean(MmsValuePtr self)',
    'int64_t MmsValue_toInt64(MmsValuePtr self)',
    'uint32_t MmsValue_toUint32(MmsValuePtr self)',
    'double MmsValue_toDouble(MmsValuePtr self)',
    'const char* MmsValue_toString(MmsValuePtr self)',
    'int MmsValue_getBitStringSize(MmsValuePtr self)',
    'bool MmsValue_getBitStringBit(MmsValuePtr self, int bitPos)',
    'void MmsValue_setBitStringBit(MmsValuePtr self, int bitPos, bool value)',
    'int MmsValue_getOctetStringSize(MmsValuePtr self)',
    'uint8_t* MmsValue_getOctetStringBuffer(MmsValuePtr self)',
    'uint8_t* MmsValue_getUtcTimeBuffer(MmsValuePtr self)',
    'void MmsValue_setUtcTimeByBuffer(MmsValuePtr self, const uint8_t* buffer)',
    'uint64_t MmsValue_getBinaryTimeAsUtcMs(MmsValuePtr self)',
    'int MmsValue_getDataAccessError(MmsValuePtr self)',
    'MmsValuePtr MmsValue_newBoolean(bool value)',
    'MmsValuePtr MmsValue_newIntegerFromInt64(int64_t value)',
    'MmsValuePtr MmsValue_newUnsignedFromUint32(uint32_t value)',
    'MmsValuePtr MmsValue_newFloat(float value)',
    'MmsValuePtr MmsValue_newDouble(double value)',
    'MmsValuePtr MmsValue_newVisibleString(const char* value)',
    'MmsValuePtr MmsValue_newMmsString(const char* value)',
    'MmsValuePtr MmsValue_newBitString(int bitSize)',
    'MmsValuePtr MmsValue_newUtcTime(uint32_t timeval)',
    'MmsValuePtr MmsValue_newUtcTimeByMsTime(uint64_t timeval)',
    'MmsValuePtr MmsValue_createEmptyStructure(int size)',
    'MmsValuePtr MmsValue_createEmptyArray(int size)',
    'void MmsValue_setElement(MmsValuePtr complexValue, int index, MmsValuePtr elementValue)',
    'MmsValuePtr MmsValue_newOctetString(int size, int maxSize)',
    'void MmsValue_setOctetString(MmsValuePtr self, const uint8_t* buf, int size)',
    // control
    'ControlObjectClient ControlObjectClient_create(const char* objectReference, IedConnection connection)',
    'void ControlObjectClient_destroy(ControlObjectClient self)',
    'int ControlObjectClient_getControlModel(ControlObjectClient self)',
    'int ControlObjectClient_getCtlValType(ControlObjectClient self)',
    'int ControlObjectClient_getLastError(ControlObjectClient self)',
    'LastApplError ControlObjectClient_getLastApplError(ControlObjectClient self)',
    'bool ControlObjectClient_operate(ControlObjectClient self, MmsValuePtr ctlVal, uint64_t operTime)',
    'bool ControlObjectClient_select(ControlObjectClient self)',
    'bool ControlObjectClient_selectWithValue(ControlObjectClient self, MmsValuePtr ctlVal)',
    'bool ControlObjectClient_cancel(ControlObjectClient self)',
    'void ControlObjectClient_setOrigin(ControlObjectClient self, const char* orIdent, int orCat)',
    'void ControlObjectClient_setTestMode(ControlObjectClient self, bool value)',
    'void ControlObjectClient_setInterlockCheck(ControlObjectClient self, bool value)',
    'void ControlObjectClient_setSynchroCheck(ControlObjectClient self, bool value)',
    'void ControlObjectClient_setCommandTerminationHandler(ControlObjectClient self, CommandTerminationHandler* handler, void* parameter)',
    // reports
    'ClientReportControlBlock IedConnection_getRCBValues(IedConnection self, _Out_ int* error, const char* rcbReference, ClientReportControlBlock updateRcb)',
    'void IedConnection_setRCBValues(IedConnection self, _Out_ int* error, ClientReportControlBlock rcb, uint32_t parametersMask, bool singleRequest)',
    'void ClientReportControlBlock_destroy(ClientReportControlBlock self)',
    'bool ClientReportControlBlock_isBuffered(ClientReportControlBlock self)',
    'const char* ClientReportControlBlock_getRptId(ClientReportControlBlock self)',
    'bool ClientReportControlBlock_getRptEna(ClientReportControlBlock self)',
    'void ClientReportControlBlock_setRptEna(ClientReportControlBlock self, bool rptEna)',
    'const char* ClientReportControlBlock_getDataSetReference(ClientReportControlBlock self)',
    'uint32_t ClientReportControlBlock_getConfRev(ClientReportControlBlock self)',
    'int ClientReportControlBlock_getOptFlds(ClientReportControlBlock self)',
    'void ClientReportControlBlock_setOptFlds(ClientReportControlBlock self, int optFlds)',
    'int ClientReportControlBlock_getTrgOps(ClientReportControlBlock self)',
    'void ClientReportControlBlock_setTrgOps(ClientReportControlBlock self, int trgOps)',
    'uint32_t ClientReportControlBlock_getIntgPd(ClientReportControlBlock self)',
    'void ClientReportControlBlock_setIntgPd(ClientReportControlBlock self, uint32_t intgPd)',
    'uint32_t ClientReportControlBlock_getBufTm(ClientReportControlBlock self)',
    'void ClientReportControlBlock_setGI(ClientReportControlBlock self, bool gi)',
    'void ClientReportControlBlock_setPurgeBuf(ClientReportControlBlock self, bool purgeBuf)',
    'void ClientReportControlBlock_setResv(ClientReportControlBlock self, bool resv)',
    'bool ClientReportControlBlock_hasResvTms(ClientReportControlBlock self)',
    'int16_t ClientReportControlBlock_getResvTms(ClientReportControlBlock self)',
    'void ClientReportControlBlock_setResvTms(ClientReportControlBlock self, int16_t resvTms)',
    'void IedConnection_installReportHandler(IedConnection self, const char* rcbReference, const char* rptId, ReportCallbackFunction* handler, void* parameter)',
    'void IedConnection_uninstallReportHandler(IedConnection self, const char* rcbReference)',
    'void IedConnection_triggerGIReport(IedConnection self, _Out_ int* error, const char* rcbReference)',
    'MmsValuePtr ClientReport_getDataSetValues(ClientReport self)',
    'const char* ClientReport_getRptId(ClientReport self)',
    'const char* ClientReport_getRcbReference(ClientReport self)',
    'int ClientReport_getReasonForInclusion(ClientReport self, int elementIndex)',
    'bool ClientReport_hasTimestamp(ClientReport self)',
    'uint64_t ClientReport_getTimestamp(ClientReport self)',
    'bool ClientReport_hasSeqNum(ClientReport self)',
    'uint16_t ClientReport_getSeqNum(ClientReport self)',
    'bool ClientReport_hasBufOvfl(ClientReport self)',
    'bool ClientReport_getBufOvfl(ClientReport self)',
  ];
  const f: Record<string, Fn> = {};
  for (const d of decl) {
    const fn = lib.func(d);
    const m = /\s(\w+)\s*\(/.exec(d);
    if (!m?.[1]) throw new Error(`bad declaration ${d}`);
    f[m[1]] = fn;
  }
  const version = String((f.LibIEC61850_getVersionString as Fn)());
  // TLS only exists in a build configured with mbedTLS (third_party/mbedtls/mbedtls-2.28)
  let tls: true | string = true;
  for (const d of [
    'TLSConfiguration TLSConfiguration_create()',
    'void TLSConfiguration_setClientMode(TLSConfiguration self)',
    'bool TLSConfiguration_addCACertificateFromFile(TLSConfiguration self, const char* filename)',
    'bool TLSConfiguration_setOwnCertificateFromFile(TLSConfiguration self, const char* filename)',
    'bool TLSConfiguration_setOwnKeyFromFile(TLSConfiguration self, const char* filename, const char* keyPassword)',
    'void TLSConfiguration_setChainValidation(TLSConfiguration self, bool value)',
    'void TLSConfiguration_destroy(TLSConfiguration self)',
    'IedConnection IedConnection_createWithTlsSupport(TLSConfiguration tlsConfig)',
  ]) {
    const name = (/\s(\w+)\s*\(/.exec(d) as RegExpExecArray)[1] as string;
    try {
      f[name] = lib.func(d);
    } catch {
      tls = `this libiec61850 build (${version}) has no TLS support: ${name} is not in ${path} (the library was built without mbedTLS; rebuild it with third_party/mbedtls/mbedtls-2.28 present, see docs/iec61850.md)`;
      break;
    }
  }
  return { version, f, ReportCallback, CommandTerminationHandler, ConnectionClosedHandler, tls };
}

const protos = new Map<string, KoffiType>();
function protoOnce(decl: string): KoffiType {
  let p = protos.get(decl);
  if (!p) {
    p = koffi.proto(decl);
    protos.set(decl, p);
  }
  return p;
}

export { koffi };
