/**
 * Strict validation of Kubernetes objects, as `kubectl apply --validate=strict` and kubeconform's strict
 * schemas do it: valid by the API schema (kubernetes-models' validators, generated from the API's OpenAPI
 * document) and no field the schema does not define. The validators check each property the schema defines
 * and walk the keys of maps; an object read through a proxy while it is validated thus tells which of its
 * fields the schema knows. A field nobody asked for is unknown, unless the object is a map (its keys were
 * walked) or free-form (the schema asked for none of its fields).
 */

interface Seen {
  readonly path: string;
  readonly keys: readonly string[];
  readonly read: Set<string>;
  enumerated: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A proxy over `value` and everything below it, recording what each object was asked. */
function watched(value: unknown, path: string, seen: Seen[]): unknown {
  if (!isObject(value)) return value;
  const record: Seen | undefined = Array.isArray(value)
    ? undefined
    : { path, keys: Object.keys(value), read: new Set(), enumerated: false };
  if (record) seen.push(record);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return v;
      record?.read.add(key);
      if (!isObject(v) || !Object.hasOwn(target, key)) return v;
      if (!children.has(key)) children.set(key, watched(v, `${path}/${key}`, seen));
      return children.get(key);
    },
    ownKeys(target) {
      if (record) record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/** A kubernetes-models class: its prototype's validate() runs the schema's validator on `this`. */
interface ModelClass {
  readonly prototype: { validate(this: unknown): void };
}

/** Throws, naming the fields, when `doc` breaks the schema or holds a field the schema does not define. */
export function validateStrict(Model: ModelClass, doc: unknown): void {
  const seen: Seen[] = [];
  Model.prototype.validate.call(watched(doc, '', seen));
  const unknown = seen.flatMap((s) =>
    s.enumerated || s.read.size === 0 ? [] : s.keys.filter((k) => !s.read.has(k)).map((k) => `${s.path}/${k}`),
  );
  if (unknown.length) throw new Error(`unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
}
