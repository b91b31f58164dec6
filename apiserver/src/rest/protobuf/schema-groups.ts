/** Messages of the non-core groups kubectl's typed clients write (apps, batch, networking, ...). */
import type { Table } from './schema.js';

export const APPS_V1: Table = {
  Deployment: { 1: 'metadata:ObjectMeta', 2: 'spec:DeploymentSpec', 3: 'status:DeploymentStatus' },
  DeploymentSpec: {
    1: 'replicas:int32!',
    2: 'selector:LabelSelector',
    3: 'template:PodTemplateSpec',
    4: 'strategy:DeploymentStrategy',
    5: 'minReadySeconds:int32',
    6: 'revisionHistoryLimit:int32!',
    7: 'paused:bool',
    9: 'progressDeadlineSeconds:int32!',
  },
  DeploymentStrategy: { 1: 'type', 2: 'rollingUpdate:RollingUpdateDeployment' },
  RollingUpdateDeployment: { 1: 'maxUnavailable:IntOrString', 2: 'maxSurge:IntOrString' },
  DeploymentStatus: {
    1: 'observedGeneration:int64',
    2: 'replicas:int32',
    3: 'updatedReplicas:int32',
    7: 'readyReplicas:int32',
    4: 'availableReplicas:int32',
    5: 'unavailableReplicas:int32',
    9: 'terminatingReplicas:int32!',
    6: 'conditions:[]DeploymentCondition',
    8: 'collisionCount:int32!',
  },
  DeploymentCondition: { 1: 'type!', 2: 'status!', 6: 'lastUpdateTime:Time', 7: 'lastTransitionTime:Time', 4: 'reason', 5: 'message' },

  ReplicaSet: { 1: 'metadata:ObjectMeta', 2: 'spec:ReplicaSetSpec', 3: 'status:ReplicaSetStatus' },
  ReplicaSetSpec: { 1: 'replicas:int32!', 4: 'minReadySeconds:int32', 2: 'selector:LabelSelector', 3: 'template:PodTemplateSpec' },
  ReplicaSetStatus: {
    1: 'replicas:int32!',
    2: 'fullyLabeledReplicas:int32',
    4: 'readyReplicas:int32',
    5: 'availableReplicas:int32',
    7: 'terminatingReplicas:int32!',
    3: 'observedGeneration:int64',
    6: 'conditions:[]ReplicaSetCondition',
  },
  ReplicaSetCondition: { 1: 'type!', 2: 'status!', 3: 'lastTransitionTime:Time', 4: 'reason', 5: 'message' },

  StatefulSet: { 1: 'metadata:ObjectMeta', 2: 'spec:StatefulSetSpec', 3: 'status:StatefulSetStatus' },
  StatefulSetSpec: {
    1: 'replicas:int32!',
    2: 'selector:LabelSelector',
    3: 'template:PodTemplateSpec',
    4: 'volumeClaimTemplates:[]PersistentVolumeClaim',
    5: 'serviceName',
    6: 'podManagementPolicy',
    7: 'updateStrategy:StatefulSetUpdateStrategy',
    8: 'revisionHistoryLimit:int32!',
    9: 'minReadySeconds:int32',
    10: 'persistentVolumeClaimRetentionPolicy:StatefulSetPersistentVolumeClaimRetentionPolicy',
    11: 'ordinals:StatefulSetOrdinals',
  },
  StatefulSetUpdateStrategy: { 1: 'type', 2: 'rollingUpdate:RollingUpdateStatefulSetStrategy' },
  RollingUpdateStatefulSetStrategy: { 1: 'partition:int32!', 2: 'maxUnavailable:IntOrString' },
  StatefulSetPersistentVolumeClaimRetentionPolicy: { 1: 'whenDeleted', 2: 'whenScaled' },
  StatefulSetOrdinals: { 1: 'start:int32' },
  StatefulSetStatus: {
    1: 'observedGeneration:int64',
    2: 'replicas:int32!',
    3: 'readyReplicas:int32',
    4: 'currentReplicas:int32',
    5: 'updatedReplicas:int32',
    6: 'currentRevision',
    7: 'updateRevision',
    9: 'collisionCount:int32!',
    10: 'conditions:[]StatefulSetCondition',
    11: 'availableReplicas:int32',
  },
  StatefulSetCondition: { 1: 'type!', 2: 'status!', 3: 'lastTransitionTime:Time', 4: 'reason', 5: 'message' },

  DaemonSet: { 1: 'metadata:ObjectMeta', 2: 'spec:DaemonSetSpec', 3: 'status:DaemonSetStatus' },
  DaemonSetSpec: { 1: 'selector:LabelSelector', 2: 'template:PodTemplateSpec', 3: 'updateStrategy:DaemonSetUpdateStrategy', 4: 'minReadySeconds:int32', 6: 'revisionHistoryLimit:int32!' },
  DaemonSetUpdateStrategy: { 1: 'type', 2: 'rollingUpdate:RollingUpdateDaemonSet' },
  RollingUpdateDaemonSet: { 1: 'maxUnavailable:IntOrString', 2: 'maxSurge:IntOrString' },
  DaemonSetStatus: {
    1: 'currentNumberScheduled:int32!',
    2: 'numberMisscheduled:int32!',
    3: 'desiredNumberScheduled:int32!',
    4: 'numberReady:int32!',
    5: 'observedGeneration:int64',
    6: 'updatedNumberScheduled:int32',
    7: 'numberAvailable:int32',
    8: 'numberUnavailable:int32',
    9: 'collisionCount:int32!',
    10: 'conditions:[]DaemonSetCondition',
  },
  DaemonSetCondition: { 1: 'type!', 2: 'status!', 3: 'lastTransitionTime:Time', 4: 'reason', 5: 'message' },
};

export const BATCH_V1: Table = {
  Job: { 1: 'metadata:ObjectMeta', 2: 'spec:JobSpec', 3: 'status:JobStatus' },
  JobSpec: {
    1: 'parallelism:int32!',
    2: 'completions:int32!',
    3: 'activeDeadlineSeconds:int64!',
    7: 'backoffLimit:int32!',
    12: 'backoffLimitPerIndex:int32!',
    13: 'maxFailedIndexes:int32!',
    4: 'selector:LabelSelector',
    5: 'manualSelector:bool!',
    6: 'template:PodTemplateSpec',
    11: 'podFailurePolicy:PodFailurePolicy',
    16: 'successPolicy:SuccessPolicy',
    8: 'ttlSecondsAfterFinished:int32!',
    9: 'completionMode!',
    10: 'suspend:bool!',
    14: 'podReplacementPolicy!',
    15: 'managedBy!',
  },
  JobStatus: {
    1: 'conditions:[]JobCondition',
    2: 'startTime:Time',
    3: 'completionTime:Time',
    4: 'active:int32',
    5: 'succeeded:int32',
    6: 'failed:int32',
    11: 'terminating:int32!',
    7: 'completedIndexes',
    10: 'failedIndexes!',
    8: 'uncountedTerminatedPods:UncountedTerminatedPods',
    9: 'ready:int32!',
  },
  PodFailurePolicy: { 1: 'rules:[]PodFailurePolicyRule' },
  PodFailurePolicyRule: { 1: 'action', 2: 'onExitCodes:PodFailurePolicyOnExitCodesRequirement', 3: 'onPodConditions:[]PodFailurePolicyOnPodConditionsPattern' },
  PodFailurePolicyOnExitCodesRequirement: { 1: 'containerName!', 2: 'operator', 3: 'values:[]int32' },
  PodFailurePolicyOnPodConditionsPattern: { 1: 'type', 2: 'status' },
  SuccessPolicy: { 1: 'rules:[]SuccessPolicyRule' },
  SuccessPolicyRule: { 1: 'succeededIndexes!', 2: 'succeededCount:int32!' },
  UncountedTerminatedPods: { 1: 'succeeded:[]string', 2: 'failed:[]string' },
  JobCondition: { 1: 'type!', 2: 'status!', 3: 'lastProbeTime:Time', 4: 'lastTransitionTime:Time', 5: 'reason', 6: 'message' },
  CronJob: { 1: 'metadata:ObjectMeta', 2: 'spec:CronJobSpec', 3: 'status:CronJobStatus' },
  CronJobSpec: {
    1: 'schedule!',
    8: 'timeZone!',
    2: 'startingDeadlineSeconds:int64!',
    3: 'concurrencyPolicy',
    4: 'suspend:bool!',
    5: 'jobTemplate:JobTemplateSpec',
    6: 'successfulJobsHistoryLimit:int32!',
    7: 'failedJobsHistoryLimit:int32!',
  },
  JobTemplateSpec: { 1: 'metadata:ObjectMeta', 2: 'spec:JobSpec' },
  CronJobStatus: { 1: 'active:[]ObjectReference', 4: 'lastScheduleTime:Time', 5: 'lastSuccessfulTime:Time' },
};

export const NETWORKING_V1: Table = {
  Ingress: { 1: 'metadata:ObjectMeta', 2: 'spec:IngressSpec', 3: 'status:IngressStatus' },
  IngressSpec: { 4: 'ingressClassName!', 1: 'defaultBackend:IngressBackend', 2: 'tls:[]IngressTLS', 3: 'rules:[]IngressRule' },
  IngressBackend: { 4: 'service:IngressServiceBackend', 3: 'resource:TypedLocalObjectReference' },
  IngressServiceBackend: { 1: 'name!', 2: 'port:ServiceBackendPort' },
  ServiceBackendPort: { 1: 'name', 2: 'number:int32' },
  IngressTLS: { 1: 'hosts:[]string', 2: 'secretName' },
  IngressRule: { 1: 'host', 2: '*:IngressRuleValue' },
  IngressRuleValue: { 1: 'http:HTTPIngressRuleValue' },
  HTTPIngressRuleValue: { 1: 'paths:[]HTTPIngressPath' },
  HTTPIngressPath: { 1: 'path', 3: 'pathType!', 2: 'backend:IngressBackend' },
  IngressStatus: { 1: 'loadBalancer:IngressLoadBalancerStatus' },
  IngressLoadBalancerStatus: { 1: 'ingress:[]IngressLoadBalancerIngress' },
  IngressLoadBalancerIngress: { 1: 'ip', 2: 'hostname', 4: 'ports:[]IngressPortStatus' },
  IngressPortStatus: { 1: 'port:int32!', 2: 'protocol!', 3: 'error!' },
};

export const RBAC_V1: Table = {
  Role: { 1: 'metadata:ObjectMeta', 2: 'rules:[]PolicyRule~' },
  ClusterRole: { 1: 'metadata:ObjectMeta', 2: 'rules:[]PolicyRule~', 3: 'aggregationRule:AggregationRule' },
  AggregationRule: { 1: 'clusterRoleSelectors:[]LabelSelector' },
  PolicyRule: { 1: 'verbs:[]string~', 2: 'apiGroups:[]string', 3: 'resources:[]string', 4: 'resourceNames:[]string', 5: 'nonResourceURLs:[]string' },
  RoleBinding: { 1: 'metadata:ObjectMeta', 2: 'subjects:[]Subject', 3: 'roleRef:RoleRef' },
  ClusterRoleBinding: { 1: 'metadata:ObjectMeta', 2: 'subjects:[]Subject', 3: 'roleRef:RoleRef' },
  Subject: { 1: 'kind!', 2: 'apiGroup', 3: 'name!', 4: 'namespace' },
  RoleRef: { 1: 'apiGroup!', 2: 'kind!', 3: 'name!' },
};

export const POLICY_V1: Table = {
  PodDisruptionBudget: { 1: 'metadata:ObjectMeta', 2: 'spec:PodDisruptionBudgetSpec', 3: 'status:PodDisruptionBudgetStatus' },
  PodDisruptionBudgetSpec: { 1: 'minAvailable:IntOrString', 2: 'selector:LabelSelector', 3: 'maxUnavailable:IntOrString', 4: 'unhealthyPodEvictionPolicy!' },
  PodDisruptionBudgetStatus: {
    1: 'observedGeneration:int64',
    2: 'disruptedPods:map<Time>',
    3: 'disruptionsAllowed:int32!',
    4: 'currentHealthy:int32!',
    5: 'desiredHealthy:int32!',
    6: 'expectedPods:int32!',
    7: 'conditions:[]Condition',
  },
  Eviction: { 1: 'metadata:ObjectMeta', 2: 'deleteOptions:DeleteOptions' },
};

export const SCHEDULING_V1: Table = {
  PriorityClass: { 1: 'metadata:ObjectMeta', 2: 'value:int32!', 3: 'globalDefault:bool', 4: 'description', 5: 'preemptionPolicy!' },
};

export const AUTOSCALING_V1: Table = {
  HorizontalPodAutoscaler: { 1: 'metadata:ObjectMeta', 2: 'spec:HorizontalPodAutoscalerSpec', 3: 'status:HorizontalPodAutoscalerStatus' },
  HorizontalPodAutoscalerSpec: { 1: 'scaleTargetRef:CrossVersionObjectReference', 2: 'minReplicas:int32!', 3: 'maxReplicas:int32!', 4: 'targetCPUUtilizationPercentage:int32!' },
  CrossVersionObjectReference: { 1: 'kind!', 2: 'name!', 3: 'apiVersion' },
  HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration:int64!',
    2: 'lastScaleTime:Time',
    3: 'currentReplicas:int32!',
    4: 'desiredReplicas:int32!',
    5: 'currentCPUUtilizationPercentage:int32!',
  },
  Scale: { 1: 'metadata:ObjectMeta', 2: 'spec:ScaleSpec', 3: 'status:ScaleStatus' },
  ScaleSpec: { 1: 'replicas:int32' },
  ScaleStatus: { 1: 'replicas:int32!', 2: 'selector' },
};

export const AUTOSCALING_V2: Table = {
  HorizontalPodAutoscaler: { 1: 'metadata:ObjectMeta', 2: 'spec:HorizontalPodAutoscalerSpec', 3: 'status:HorizontalPodAutoscalerStatus' },
  HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef:CrossVersionObjectReference',
    2: 'minReplicas:int32!',
    3: 'maxReplicas:int32!',
    4: 'metrics:[]MetricSpec',
    5: 'behavior:HorizontalPodAutoscalerBehavior',
  },
  CrossVersionObjectReference: { 1: 'kind!', 2: 'name!', 3: 'apiVersion' },
  MetricSpec: {
    1: 'type!',
    2: 'object:ObjectMetricSource',
    3: 'pods:PodsMetricSource',
    4: 'resource:ResourceMetricSource',
    7: 'containerResource:ContainerResourceMetricSource',
    5: 'external:ExternalMetricSource',
  },
  ObjectMetricSource: { 1: 'describedObject:CrossVersionObjectReference', 2: 'target:MetricTarget', 3: 'metric:MetricIdentifier' },
  PodsMetricSource: { 1: 'metric:MetricIdentifier', 2: 'target:MetricTarget' },
  ResourceMetricSource: { 1: 'name!', 2: 'target:MetricTarget' },
  ContainerResourceMetricSource: { 1: 'name!', 2: 'target:MetricTarget', 3: 'container!' },
  ExternalMetricSource: { 1: 'metric:MetricIdentifier', 2: 'target:MetricTarget' },
  MetricIdentifier: { 1: 'name!', 2: 'selector:LabelSelector' },
  MetricTarget: { 1: 'type!', 2: 'value:Quantity', 3: 'averageValue:Quantity', 4: 'averageUtilization:int32!' },
  HorizontalPodAutoscalerBehavior: { 1: 'scaleUp:HPAScalingRules', 2: 'scaleDown:HPAScalingRules' },
  HPAScalingRules: { 3: 'stabilizationWindowSeconds:int32!', 1: 'selectPolicy!', 2: 'policies:[]HPAScalingPolicy', 4: 'tolerance:Quantity' },
  HPAScalingPolicy: { 1: 'type!', 2: 'value:int32!', 3: 'periodSeconds:int32!' },
  HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration:int64!',
    2: 'lastScaleTime:Time',
    3: 'currentReplicas:int32',
    4: 'desiredReplicas:int32!',
    5: 'currentMetrics:[]MetricStatus',
    6: 'conditions:[]HorizontalPodAutoscalerCondition',
  },
  MetricStatus: {
    1: 'type!',
    2: 'object:ObjectMetricStatus',
    3: 'pods:PodsMetricStatus',
    4: 'resource:ResourceMetricStatus',
    7: 'containerResource:ContainerResourceMetricStatus',
    5: 'external:ExternalMetricStatus',
  },
  ObjectMetricStatus: { 1: 'metric:MetricIdentifier', 2: 'current:MetricValueStatus', 3: 'describedObject:CrossVersionObjectReference' },
  PodsMetricStatus: { 1: 'metric:MetricIdentifier', 2: 'current:MetricValueStatus' },
  ResourceMetricStatus: { 1: 'name!', 2: 'current:MetricValueStatus' },
  ContainerResourceMetricStatus: { 1: 'name!', 2: 'current:MetricValueStatus', 3: 'container!' },
  ExternalMetricStatus: { 1: 'metric:MetricIdentifier', 2: 'current:MetricValueStatus' },
  MetricValueStatus: { 1: 'value:Quantity', 2: 'averageValue:Quantity', 3: 'averageUtilization:int32!' },
  HorizontalPodAutoscalerCondition: { 1: 'type!', 2: 'status!', 3: 'lastTransitionTime:Time', 4: 'reason', 5: 'message', 6: 'observedGeneration:int64' },
};

export const AUTHENTICATION_V1: Table = {
  TokenRequest: { 1: 'metadata:ObjectMeta', 2: 'spec:TokenRequestSpec', 3: 'status:TokenRequestStatus' },
  TokenRequestSpec: { 1: 'audiences:[]string~', 4: 'expirationSeconds:int64!~', 3: 'boundObjectRef:BoundObjectReference~' },
  BoundObjectReference: { 1: 'kind', 2: 'apiVersion', 3: 'name', 4: 'uid' },
  TokenRequestStatus: { 1: 'token!', 2: 'expirationTimestamp:Time' },
};

/** certificates.k8s.io/v1 (`kubectl certificate approve|deny` writes the CSR as protobuf). spec.extra (map of ExtraValue) is not decoded. */
export const CERTIFICATES_V1: Table = {
  CertificateSigningRequest: { 1: 'metadata:ObjectMeta', 2: 'spec:CertificateSigningRequestSpec', 3: 'status:CertificateSigningRequestStatus' },
  CertificateSigningRequestSpec: { 1: 'request:bytes', 7: 'signerName', 8: 'expirationSeconds:int32!', 5: 'usages:[]string', 2: 'username', 3: 'uid', 4: 'groups:[]string' },
  CertificateSigningRequestStatus: { 1: 'conditions:[]CertificateSigningRequestCondition', 2: 'certificate:bytes' },
  CertificateSigningRequestCondition: { 1: 'type', 6: 'status', 2: 'reason', 3: 'message', 4: 'lastUpdateTime:Time', 5: 'lastTransitionTime:Time' },
};

/** authorization.k8s.io/v1 (`kubectl auth can-i` writes its SelfSubjectAccessReview as protobuf). */
export const AUTHORIZATION_V1: Table = {
  SelfSubjectAccessReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SelfSubjectAccessReviewSpec', 3: 'status:SubjectAccessReviewStatus' },
  SelfSubjectAccessReviewSpec: { 1: 'resourceAttributes:ResourceAttributes', 2: 'nonResourceAttributes:NonResourceAttributes' },
  ResourceAttributes: { 1: 'namespace', 2: 'verb', 3: 'group', 4: 'version', 5: 'resource', 6: 'subresource', 7: 'name' },
  NonResourceAttributes: { 1: 'path', 2: 'verb' },
  SubjectAccessReviewStatus: { 1: 'allowed:bool!', 4: 'denied:bool', 2: 'reason', 3: 'evaluationError' },
  // spec.extra (map of ExtraValue) is not decoded.
  SubjectAccessReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SubjectAccessReviewSpec', 3: 'status:SubjectAccessReviewStatus' },
  LocalSubjectAccessReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SubjectAccessReviewSpec', 3: 'status:SubjectAccessReviewStatus' },
  SubjectAccessReviewSpec: { 1: 'resourceAttributes:ResourceAttributes', 2: 'nonResourceAttributes:NonResourceAttributes', 3: 'user', 4: 'groups:[]string', 6: 'uid' },
  SelfSubjectRulesReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SelfSubjectRulesReviewSpec', 3: 'status:SubjectRulesReviewStatus' },
  SelfSubjectRulesReviewSpec: { 1: 'namespace' },
  SubjectRulesReviewStatus: { 1: 'resourceRules:[]ResourceRule', 2: 'nonResourceRules:[]NonResourceRule', 3: 'incomplete:bool!', 4: 'evaluationError' },
  ResourceRule: { 1: 'verbs:[]string~', 2: 'apiGroups:[]string', 3: 'resources:[]string', 4: 'resourceNames:[]string' },
  NonResourceRule: { 1: 'verbs:[]string~', 2: 'nonResourceURLs:[]string' },
};

/** authentication.k8s.io SelfSubjectReview (`kubectl auth whoami`): an empty request. */
export const AUTHENTICATION_REVIEW: Table = {
  SelfSubjectReview: { 1: 'metadata:ObjectMeta' },
};
