/** TypeScript shapes of the messages in proto/kubelab.proto (as @grpc/proto-loader delivers them). */

export interface Target {
  resource: string;
  namespace: string;
  name: string;
}

export interface CreateRequest {
  target: Target;
  object: Buffer;
  dryRun: boolean;
  fieldManager: string;
}

export interface GetRequest {
  target: Target;
  /** "" the latest (storage), "0" any (the watch cache), as upstream's GetOptions.resourceVersion. */
  resourceVersion?: string;
}

export interface ListRequest {
  target: Target;
  labelSelector: string;
  fieldSelector: string;
  limit: number;
  continue: string;
  resourceVersion: string;
}

export interface ListResponse {
  items: Buffer[];
  resourceVersion: string;
  continue: string;
}

export interface UpdateRequest {
  target: Target;
  object: Buffer;
  fieldManager: string;
}

export interface DeleteRequest {
  target: Target;
  propagationPolicy: string;
  hasGracePeriod: boolean;
  gracePeriodSeconds: number;
  preconditionUid: string;
  preconditionResourceVersion: string;
}

export interface WatchRequest {
  target: Target;
  labelSelector: string;
  fieldSelector: string;
  resourceVersion: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: Buffer;
}

/** One message of a Watch stream: the events ready when it was written, in order. */
export interface WatchEvents {
  events: WatchEvent[];
}

export interface BindRequest {
  namespace: string;
  name: string;
  nodeName: string;
  podUid: string;
}

export interface ObjectResponse {
  object: Buffer;
}

/** Bindings in one call (at most MAX_BINDINGS_PER_CALL); results in the same order. */
export interface BindManyRequest {
  bindings: BindRequest[];
}

/** reason '': bound; else the refusal as an ApiError's reason, message and JSON details. */
export interface BindResult {
  reason: string;
  message: string;
  details: string;
}

export interface BindManyResponse {
  results: BindResult[];
}

export const MAX_BINDINGS_PER_CALL = 256;

/** Creates in one call (at most MAX_CREATES_PER_CALL); results in the same order. */
export interface CreateManyRequest {
  creates: CreateRequest[];
}

/** reason '': created (object: its JSON); else the refusal as an ApiError's reason, message and JSON details. */
export interface CreateResult {
  object: Buffer;
  reason: string;
  message: string;
  details: string;
}

export interface CreateManyResponse {
  results: CreateResult[];
}

export const MAX_CREATES_PER_CALL = 256;

// ---- Kubelet service ----

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface LogsRequest {
  pod: PodRef;
  container: string;
  follow: boolean;
  previous: boolean;
  hasTailLines: boolean;
  tailLines: number;
  sinceSeconds: number;
  sinceTime: string;
  timestamps: boolean;
  limitBytes: number;
}

export interface Chunk {
  data: Buffer;
}

export interface ExecStart {
  pod: PodRef;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  attach: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** One of the fields is set; `input` names it (proto-loader oneofs: true). */
export interface ExecInput {
  start?: ExecStart;
  stdin?: Buffer;
  resize?: TerminalSize;
  stdinClose?: boolean;
  input?: 'start' | 'stdin' | 'resize' | 'stdinClose';
}

export interface ExecExit {
  code: number;
  error: string;
}

export interface ExecOutput {
  stdout?: Buffer;
  stderr?: Buffer;
  exit?: ExecExit;
  output?: 'stdout' | 'stderr' | 'exit';
}

export interface PortForwardData {
  pod?: PodRef | null;
  port: number;
  data: Buffer;
}

export interface StatsRequest {
  pod?: PodRef | null;
}

export interface CpuStats {
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  workingSetBytes: number;
  usageBytes: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodStats {
  pod: PodRef;
  containers: ContainerStats[];
}

export interface StatsResponse {
  nodeName: string;
  timestamp: string;
  nodeCpu: CpuStats;
  nodeMemory: MemoryStats;
  pods: PodStats[];
}
