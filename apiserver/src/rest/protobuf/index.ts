/** Decoding of Kubernetes protobuf request bodies (kubectl 1.32+ typed clients) into JSON. */
export {
  decodeEnvelope,
  decodeKubernetesProtobuf,
  PROTOBUF_MAGIC,
  PROTOBUF_MEDIA_TYPE,
  UnknownKindError,
  type UnknownEnvelope,
} from './envelope.js';
export { knownKinds, schemaFor } from './kinds.js';
export { ProtobufError } from '@kubelab/proto/wire';
export { goDuration } from './special.js';
