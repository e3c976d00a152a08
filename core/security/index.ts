export { Authorizer, throwIfRefused, siteScope, type CheckContext } from './authorizer';
export {
  AuthService,
  LocalAuthProvider,
  DEFAULT_LOCKOUT,
  hashToken,
  type AuthOptions,
  type AuthProvider,
  type AuthResult,
  type LockoutPolicy,
} from './auth';
export { UserService } from './users';
export { PasswordHasher, checkPasswordPolicy, DEFAULT_PASSWORD_POLICY, DEFAULT_SCRYPT, TEST_SCRYPT, type ScryptParams } from './password';
export {
  systemPrincipal,
  principalView,
  auditActor,
  hasSite,
  SYSTEM_AUTOMATION_CAPABILITIES,
  type Principal,
  type Clock,
  type SystemPrincipalOptions,
} from './principal';
export {
  FileKeyProvider,
  SafeStorageKeyProvider,
  StaticKeyProvider,
  SecretStore,
  SealedRecordFile,
  KeyProviderError,
  seal,
  open,
  keyId,
  deriveKey,
  KEY_BYTES,
  type KeyProvider,
  type SafeStorageLike,
  type Sealed,
} from './secrets';
export { SecurityStore, normaliseUsername, type UserRow } from './store';
export { CAPABILITIES, BUILTIN_ROLES, type Capability } from '../common/security';
export { METHOD_CAPABILITIES, methodAccess, type MethodAccess } from '../common/api/access';
