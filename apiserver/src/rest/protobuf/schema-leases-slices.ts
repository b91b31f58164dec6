/** coordination.k8s.io/v1 Lease and discovery.k8s.io/v1 EndpointSlice messages. */
import type { Table } from './schema.js';

export const COORDINATION_V1: Table = {
  Lease: { 1: 'metadata:ObjectMeta', 2: 'spec:LeaseSpec' },
  LeaseSpec: {
    1: 'holderIdentity!',
    2: 'leaseDurationSeconds:int32!',
    3: 'acquireTime:MicroTime',
    4: 'renewTime:MicroTime',
    5: 'leaseTransitions:int32!',
    6: 'strategy!',
    7: 'preferredHolder!',
  },
};

export const DISCOVERY_V1: Table = {
  EndpointSlice: { 1: 'metadata:ObjectMeta', 4: 'addressType', 2: 'endpoints:[]Endpoint~', 3: 'ports:[]EndpointPort' },
  Endpoint: {
    1: 'addresses:[]string',
    2: 'conditions:EndpointConditions',
    3: 'hostname!',
    4: 'targetRef:ObjectReference',
    5: 'deprecatedTopology:map',
    6: 'nodeName!',
    7: 'zone!',
    8: 'hints:EndpointHints',
  },
  EndpointConditions: { 1: 'ready:bool!', 2: 'serving:bool!', 3: 'terminating:bool!' },
  EndpointHints: { 1: 'forZones:[]ForZone', 2: 'forNodes:[]ForNode' },
  ForZone: { 1: 'name' },
  ForNode: { 1: 'name' },
  EndpointPort: { 1: 'name!', 2: 'protocol!', 3: 'port:int32!', 4: 'appProtocol!' },
};
