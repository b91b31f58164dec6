/** ConfigMap, Secret and ServiceAccount tables (upstream printConfigMap / printSecret / printServiceAccount). */
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, list, nameOf, obj, str } from './format.js';

const size = (v: unknown): number => Object.keys(obj(v)).length;

export const configMapPrinter: Printer = {
  columns: [NAME_COLUMN, col('Data', 'Data contains the configuration data.', { type: 'integer' }), AGE_COLUMN],
  cells(cm, now) {
    return [nameOf(cm), size(cm['data']) + size(cm['binaryData']), age(cm, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Type', 'The type of the secret'),
    col('Data', 'The number of entries in the secret', { type: 'integer' }),
    AGE_COLUMN,
  ],
  cells(s, now) {
    return [nameOf(s), str(s['type']), size(s['data']), age(s, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col(
      'Secrets',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      { type: 'integer' },
    ),
    AGE_COLUMN,
  ],
  cells(sa, now) {
    return [nameOf(sa), list(sa['secrets']).length, age(sa, now)];
  },
};
