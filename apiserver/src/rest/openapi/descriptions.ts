/**
 * The words `kubectl explain` prints: one line per kind and for the fields a learner meets first
 * (kubelab's own wording), and the fields an object cannot be created without.
 */

const KINDS: Record<string, string> = {
  Namespace:
    'A Namespace groups objects under one name: names are unique within it, and policies, quotas and RBAC roles can apply to it as a whole.',
  Node: 'A Node is a machine (here: a kubelet container or a hollow node) that runs pods. Its kubelet registers it and reports its capacity and health.',
  Pod: 'A Pod is one or more containers that share a network namespace (one IP) and volumes, and are scheduled onto one node together. It is the smallest thing Kubernetes runs.',
  Service:
    'A Service gives a set of pods, chosen by label selector, one stable virtual IP and DNS name; kube-proxy spreads the traffic over the ready ones.',
  Endpoints:
    'Endpoints lists the ready and not-ready addresses behind a Service. The endpoints controller keeps it in step with the pods the selector matches.',
  EndpointSlice:
    'An EndpointSlice holds a part of the addresses behind a Service, with their readiness; large Services are split over several slices.',
  Event:
    'An Event records something that happened to an object (scheduled, pulled, started, failed ...). Events expire after an hour.',
  ConfigMap:
    'A ConfigMap holds non-secret configuration as key/value pairs, for pods to read as environment variables, command arguments or files in a volume.',
  Secret:
    'A Secret holds a small amount of sensitive data (passwords, tokens, keys), base64-encoded in `data`, for pods to read as environment variables or files.',
  ServiceAccount: 'A ServiceAccount is the identity a pod runs as when it talks to the API server.',
  PersistentVolume:
    'A PersistentVolume is a piece of storage in the cluster, provisioned by an administrator or dynamically for a claim through a StorageClass.',
  PersistentVolumeClaim:
    'A PersistentVolumeClaim asks for storage of a size and access mode; it binds to a PersistentVolume that a pod can then mount.',
  StorageClass:
    'A StorageClass names a kind of storage and the provisioner that creates volumes of it for claims that ask for the class.',
  ControllerRevision:
    'A ControllerRevision is an immutable snapshot of a DaemonSet or StatefulSet template, kept for rollout history and undo.',
  Deployment:
    'A Deployment declares a desired state for a set of identical pods; it manages ReplicaSets to reach it and rolls out changes step by step.',
  ReplicaSet:
    'A ReplicaSet keeps a given number of pods matching its selector running. Deployments create and scale them.',
  StatefulSet:
    'A StatefulSet runs pods with stable names (name-0, name-1, ...), in order, each with its own persistent volume claims.',
  DaemonSet: 'A DaemonSet runs one copy of a pod on every node (or on the nodes its selector and tolerations allow).',
  Job: 'A Job runs pods until a number of them complete successfully, retrying failures up to its backoff limit.',
  CronJob: 'A CronJob creates Jobs on a repeating schedule written in cron syntax.',
  HorizontalPodAutoscaler:
    'A HorizontalPodAutoscaler adjusts the replicas of a workload (Deployment, ReplicaSet, StatefulSet) from observed metrics such as CPU use.',
  PodDisruptionBudget:
    'A PodDisruptionBudget limits how many pods of a set voluntary disruptions (evictions, drains) may take down at once.',
  Lease: 'A Lease is a lightweight lock with a holder and a renew time, used for leader election and node heartbeats.',
  Ingress: 'An Ingress routes HTTP traffic from outside the cluster to Services, by host name and path.',
  IngressClass: 'An IngressClass names the controller that implements the Ingresses which ask for the class.',
  Role: 'A Role is a set of permissions (verbs on resources) within one namespace.',
  ClusterRole:
    'A ClusterRole is a set of permissions (verbs on resources) across the cluster, or reusable in any namespace through a RoleBinding.',
  RoleBinding:
    'A RoleBinding grants the permissions of a Role or ClusterRole to users, groups or service accounts within one namespace.',
  ClusterRoleBinding:
    'A ClusterRoleBinding grants the permissions of a ClusterRole to users, groups or service accounts across the cluster.',
  CertificateSigningRequest:
    'A CertificateSigningRequest asks for an X.509 certificate to be signed; once approved, a signer fills in the certificate.',
};

/** The type fields of a top-level object. */
const TYPE_META: Record<string, string> = {
  apiVersion:
    'The versioned schema of this object (group/version, or just the version for the core group). The server may convert to the version it stores.',
  kind: 'The type of this object, in CamelCase (for example Pod or Deployment).',
};

/** Fields whose meaning is the same wherever they appear. */
const PARTS: Record<string, string> = {
  metadata:
    "The object's name, namespace, labels, annotations and the fields the system maintains (uid, resourceVersion, creationTimestamp ...).",
  spec: 'The desired state: what you ask for.',
  status: 'The observed state, written by the system. Read-only for users.',
};

const FIELDS: Record<string, string> = {
  'ObjectMeta.name':
    'Unique within a namespace (or the cluster, for cluster-scoped kinds). Required when creating, unless generateName is given. Cannot be changed.',
  'ObjectMeta.generateName': 'A prefix from which the server makes a unique name when name is empty.',
  'ObjectMeta.namespace': 'The namespace the object lives in; empty means "default" for namespaced kinds.',
  'ObjectMeta.labels':
    'Key/value pairs to organize and select objects (selectors of Services, ReplicaSets, kubectl -l ...).',
  'ObjectMeta.annotations': 'Key/value pairs for tools and people; not used for selection.',
  'ObjectMeta.uid': 'Unique for all time, set by the server at creation. Read-only.',
  'ObjectMeta.resourceVersion':
    'An opaque version of the object, changed on every write; used for optimistic concurrency and watches. Read-only.',
  'ObjectMeta.generation': 'A number the server increases when the desired state (spec) changes. Read-only.',
  'ObjectMeta.creationTimestamp': 'When the server created the object (RFC 3339, UTC). Read-only.',
  'ObjectMeta.deletionTimestamp':
    'When a graceful deletion was asked for; the object goes once its finalizers are done. Read-only.',
  'ObjectMeta.ownerReferences': 'The objects this one depends on; the garbage collector deletes it when they are gone.',
  'ObjectMeta.finalizers': 'Keys that must be removed before the object is deleted from storage.',
  'ObjectMeta.managedFields': 'Which field manager set which fields, for server-side apply. Read-only in practice.',
  'PodSpec.containers': 'The containers of the pod: at least one. Cannot be added or removed after creation.',
  'PodSpec.initContainers': 'Containers run one after another to completion before the app containers start.',
  'PodSpec.restartPolicy': 'When the kubelet restarts exited containers: Always (default), OnFailure or Never.',
  'PodSpec.nodeSelector': 'Labels a node must carry for the pod to be scheduled onto it.',
  'PodSpec.nodeName': 'The node the pod runs on; set by the scheduler when it binds the pod.',
  'PodSpec.volumes': 'Volumes the containers of the pod can mount.',
  'PodSpec.serviceAccountName': 'The ServiceAccount the pod runs as.',
  'PodSpec.terminationGracePeriodSeconds':
    'Seconds between the stop signal and a forced kill when the pod is deleted (default 30).',
  'PodSpec.affinity': 'Scheduling rules for the pod: node affinity, pod affinity and anti-affinity.',
  'PodSpec.tolerations': 'The node taints the pod tolerates.',
  'Container.name': 'The name of the container, unique within the pod (a DNS label).',
  'Container.image': 'The container image to run.',
  'Container.imagePullPolicy':
    'Always, Never or IfNotPresent: whether the kubelet pulls the image before starting the container.',
  'Container.command': "The entrypoint, replacing the image's ENTRYPOINT. $(VAR) references are expanded.",
  'Container.args': "Arguments to the entrypoint, replacing the image's CMD. $(VAR) references are expanded.",
  'Container.ports': 'The ports the container listens on (informational, except hostPort).',
  'Container.env': 'Environment variables to set in the container.',
  'Container.envFrom': 'ConfigMaps and Secrets whose keys all become environment variables.',
  'Container.resources': 'CPU and memory requested (for scheduling) and limited (enforced at run time).',
  'Container.volumeMounts': 'Volumes of the pod to mount into the container, and where.',
  'Container.livenessProbe': 'A check that restarts the container when it fails.',
  'Container.readinessProbe': 'A check that removes the pod from Service endpoints while it fails.',
  'Container.startupProbe': 'A check that holds off the other probes until the container has started.',
  'Container.workingDir': 'The working directory of the container.',
  'ContainerPort.containerPort': 'The port number on the pod IP.',
  'ContainerPort.hostPort': "A port on the node's address forwarded to the container port.",
  'ContainerPort.protocol': 'TCP (default), UDP or SCTP.',
  'ResourceRequirements.requests': 'The resources the scheduler reserves for the container.',
  'ResourceRequirements.limits':
    'The most the container may use: CPU is throttled above it, memory above it is OOM-killed.',
  'DeploymentSpec.replicas': 'How many pods to run (default 1).',
  'DeploymentSpec.selector':
    "The label selector of the Deployment's pods; must match the template's labels. Cannot be changed.",
  'DeploymentSpec.template': 'The pod template: the pods the Deployment creates.',
  'DeploymentSpec.strategy': 'How old pods are replaced by new ones: RollingUpdate (default) or Recreate.',
  'DeploymentSpec.revisionHistoryLimit': 'How many old ReplicaSets to keep for rollback (default 10).',
  'DeploymentSpec.paused': 'While true, changes to the template start no rollout.',
  'ReplicaSetSpec.replicas': 'How many pods to run (default 1).',
  'ReplicaSetSpec.selector': 'The label selector of the pods this ReplicaSet counts; must match the template.',
  'ReplicaSetSpec.template': 'The pod template: the pods it creates when there are too few.',
  'ServiceSpec.type': 'ClusterIP (default), NodePort, LoadBalancer or ExternalName: how the Service is exposed.',
  'ServiceSpec.selector': 'The labels of the pods that receive the traffic.',
  'ServiceSpec.ports': 'The ports the Service exposes and where each one forwards to.',
  'ServiceSpec.clusterIP': 'The virtual IP of the Service, allocated unless given; "None" makes a headless Service.',
  'ServicePort.port': 'The port the Service listens on.',
  'ServicePort.targetPort': "The pod's port (number or named container port) the traffic goes to; defaults to port.",
  'ServicePort.nodePort': 'The port on every node for NodePort and LoadBalancer Services; allocated unless given.',
  'ConfigMap.data': 'The configuration: UTF-8 string values by key.',
  'Secret.data': 'The secret values by key, base64-encoded.',
  'Secret.stringData': 'Plain-text values, merged into data on write (write-only).',
  'Secret.type': 'The kind of secret (Opaque by default), which decides the keys it must hold.',
  'JobSpec.completions': 'How many pods must succeed for the Job to complete (default 1).',
  'JobSpec.parallelism': 'How many pods may run at once (default 1).',
  'JobSpec.backoffLimit': 'How many failed pods the Job retries before it is marked failed (default 6).',
  'JobSpec.template': 'The pod template of the Job; restartPolicy must be Never or OnFailure.',
  'CronJobSpec.schedule': 'When to run, in cron syntax (for example "*/5 * * * *").',
  'CronJobSpec.jobTemplate': 'The Job created at each scheduled time.',
  'PodStatus.phase': 'Pending, Running, Succeeded, Failed or Unknown: where the pod is in its life.',
  'PodStatus.podIP': 'The IP address of the pod.',
  'PodStatus.conditions': 'PodScheduled, Initialized, ContainersReady and Ready, each True or False.',
};

/** What must be set for an object to be accepted. */
export const REQUIRED: Record<string, string[]> = {
  PodSpec: ['containers'],
  Container: ['name'],
  ContainerPort: ['containerPort'],
  EnvVar: ['name'],
  Volume: ['name'],
  VolumeMount: ['name', 'mountPath'],
  KeyToPath: ['key', 'path'],
  ConfigMapKeySelector: ['key'],
  SecretKeySelector: ['key'],
  DeploymentSpec: ['selector', 'template'],
  ReplicaSetSpec: ['selector'],
  StatefulSetSpec: ['selector', 'template'],
  DaemonSetSpec: ['selector', 'template'],
  JobSpec: ['template'],
  CronJobSpec: ['schedule', 'jobTemplate'],
  ServicePort: ['port'],
  OwnerReference: ['apiVersion', 'kind', 'name', 'uid'],
  LabelSelectorRequirement: ['key', 'operator'],
  NodeSelectorRequirement: ['key', 'operator'],
  HTTPGetAction: ['port'],
  TCPSocketAction: ['port'],
  HTTPIngressPath: ['pathType', 'backend'],
  HTTPIngressRuleValue: ['paths'],
  RoleRef: ['apiGroup', 'kind', 'name'],
  Subject: ['kind', 'name'],
  PolicyRule: ['verbs'],
  HorizontalPodAutoscalerSpec: ['scaleTargetRef', 'maxReplicas'],
  CrossVersionObjectReference: ['kind', 'name'],
  PersistentVolumeClaimVolumeSource: ['claimName'],
  HostPathVolumeSource: ['path'],
  StorageClass: ['provisioner'],
};

/** The values a string field accepts, where the API has a fixed set (kubectl explain prints them). */
export const ENUMS: Record<string, string[]> = {
  'PodSpec.restartPolicy': ['Always', 'Never', 'OnFailure'],
  'PodSpec.dnsPolicy': ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
  'PodSpec.preemptionPolicy': ['Never', 'PreemptLowerPriority'],
  'Container.imagePullPolicy': ['Always', 'IfNotPresent', 'Never'],
  'Container.terminationMessagePolicy': ['FallbackToLogsOnError', 'File'],
  'ContainerPort.protocol': ['SCTP', 'TCP', 'UDP'],
  'ServicePort.protocol': ['SCTP', 'TCP', 'UDP'],
  'ServiceSpec.type': ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
  'ServiceSpec.sessionAffinity': ['ClientIP', 'None'],
  'ServiceSpec.externalTrafficPolicy': ['Cluster', 'Local'],
  'ServiceSpec.internalTrafficPolicy': ['Cluster', 'Local'],
  'PodStatus.phase': ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'],
  'DeploymentStrategy.type': ['Recreate', 'RollingUpdate'],
  'StatefulSetSpec.podManagementPolicy': ['OrderedReady', 'Parallel'],
  'StatefulSetUpdateStrategy.type': ['OnDelete', 'RollingUpdate'],
  'DaemonSetUpdateStrategy.type': ['OnDelete', 'RollingUpdate'],
  'CronJobSpec.concurrencyPolicy': ['Allow', 'Forbid', 'Replace'],
  'JobSpec.completionMode': ['Indexed', 'NonIndexed'],
  'Toleration.operator': ['Equal', 'Exists'],
  'Toleration.effect': ['NoExecute', 'NoSchedule', 'PreferNoSchedule'],
  'Taint.effect': ['NoExecute', 'NoSchedule', 'PreferNoSchedule'],
  'NodeSelectorRequirement.operator': ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'],
  'HTTPGetAction.scheme': ['HTTP', 'HTTPS'],
  'HostPathVolumeSource.type': [
    '',
    'BlockDevice',
    'CharDevice',
    'Directory',
    'DirectoryOrCreate',
    'File',
    'FileOrCreate',
    'Socket',
  ],
  'HTTPIngressPath.pathType': ['Exact', 'ImplementationSpecific', 'Prefix'],
  'PersistentVolumeSpec.persistentVolumeReclaimPolicy': ['Delete', 'Recycle', 'Retain'],
  'StorageClass.volumeBindingMode': ['Immediate', 'WaitForFirstConsumer'],
};

export function kindDescription(kind: string): string | undefined {
  return KINDS[kind];
}

/** The description of `field` of message `owner` ("" for the fields every object has). */
export function fieldDescription(owner: string, field: string): string | undefined {
  if (owner === '') return TYPE_META[field];
  return FIELDS[`${owner}.${field}`] ?? PARTS[field];
}
