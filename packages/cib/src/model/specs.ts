/**
 * Attribute tables shared by the reader and the writer: for each modelled element, which XML
 * attributes map to which model fields, in the order the writer emits them. Keeping one table
 * per element makes reading and writing symmetric by construction.
 */

export interface FieldSpec {
  /** XML attribute name. */
  readonly xml: string;
  /** Model field name. */
  readonly key: string;
  /** Integer-valued: parsed to a number, written back in decimal. */
  readonly int?: boolean;
  /** Missing it makes the element invalid. */
  readonly required?: boolean;
  /** Legacy spellings read when `xml` is absent (never written). */
  readonly aliases?: readonly string[];
}

function camel(xml: string): string {
  return xml.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

type Opt = Omit<FieldSpec, 'xml' | 'key'> & { key?: string };

function f(xml: string, opt: Opt = {}): FieldSpec {
  return { xml, key: opt.key ?? camel(xml), ...opt };
}
const req = (xml: string, opt: Opt = {}): FieldSpec => f(xml, { ...opt, required: true });
const int = (xml: string, opt: Opt = {}): FieldSpec => f(xml, { ...opt, int: true });

export const CIB_FIELDS: readonly FieldSpec[] = [
  int('epoch', { required: true }),
  int('num_updates', { required: true }),
  int('admin_epoch', { required: true }),
  f('validate-with'),
  f('crm_feature_set'),
  f('have-quorum'),
  f('dc-uuid'),
  int('execution-date'),
  f('cib-last-written'),
  f('update-origin'),
  f('update-client'),
  f('update-user'),
  f('remote-tls-port'),
  f('remote-clear-port'),
  f('no-quorum-panic'),
];

export const NVPAIR_FIELDS = [f('id'), f('id-ref'), f('name'), f('value')] as const;
export const NVSET_FIELDS = [f('id'), f('id-ref'), f('score')] as const;
export const RULE_FIELDS = [
  f('id'),
  f('id-ref'),
  f('score'),
  f('score-attribute'),
  f('boolean-op'),
  f('role'),
] as const;
export const EXPRESSION_FIELDS = [
  f('id'),
  f('id-ref'),
  f('attribute'),
  f('operation'),
  f('value'),
  f('type'),
  f('value-source'),
] as const;
export const DATE_EXPRESSION_FIELDS = [
  f('id'),
  f('id-ref'),
  f('operation'),
  f('start'),
  f('end'),
] as const;
export const DATE_FIELDS = [
  f('id'),
  f('years'),
  f('months'),
  f('weeks'),
  f('days'),
  f('hours'),
  f('minutes'),
  f('seconds'),
  f('monthdays'),
  f('weekdays'),
  f('yeardays'),
  f('weekyears'),
  f('moon'),
] as const;
export const RSC_EXPRESSION_FIELDS = [
  f('id'),
  f('id-ref'),
  f('class'),
  f('provider'),
  f('type'),
] as const;
export const OP_EXPRESSION_FIELDS = [f('id'), f('id-ref'), f('name'), f('interval')] as const;

export const NODE_FIELDS = [
  req('id'),
  req('uname'),
  f('type'),
  f('description'),
  f('score'),
] as const;

export const OP_FIELDS = [
  f('id'),
  f('id-ref'),
  f('name'),
  f('interval'),
  f('timeout'),
  f('description'),
  f('start-delay'),
  f('interval-origin'),
  f('role'),
  f('on-fail'),
  f('enabled'),
  f('record-pending'),
  f('requires'),
] as const;
export const OPERATIONS_FIELDS = [f('id'), f('id-ref')] as const;

export const PRIMITIVE_FIELDS = [
  req('id'),
  f('class'),
  f('provider'),
  f('type'),
  f('template'),
  f('description'),
] as const;
export const TEMPLATE_FIELDS = [
  req('id'),
  f('class'),
  f('provider'),
  f('type'),
  f('description'),
] as const;
export const CONTAINER_FIELDS = [req('id'), f('description')] as const;

export const RUNTIME_FIELDS = [
  f('image'),
  f('replicas'),
  f('replicas-per-host'),
  f('promoted-max'),
  f('masters'),
  f('run-command'),
  f('network'),
  f('options'),
] as const;
export const NETWORK_FIELDS = [
  f('ip-range-start'),
  f('control-port'),
  f('host-interface'),
  f('host-netmask'),
  f('add-host'),
] as const;
export const PORT_MAPPING_FIELDS = [req('id'), f('port'), f('internal-port'), f('range')] as const;
export const STORAGE_MAPPING_FIELDS = [
  req('id'),
  f('source-dir'),
  f('source-dir-root'),
  f('target-dir'),
  f('options'),
] as const;

export const TAG_FIELDS = [req('id')] as const;

export const RESOURCE_SET_FIELDS = [
  f('id'),
  f('id-ref'),
  f('sequential'),
  f('require-all'),
  f('ordering'),
  f('action'),
  f('role'),
  f('score'),
  f('kind'),
] as const;
export const LOCATION_FIELDS = [
  req('id'),
  f('rsc'),
  f('rsc-pattern'),
  f('node'),
  f('score'),
  f('role'),
  f('resource-discovery'),
] as const;
export const COLOCATION_FIELDS = [
  req('id'),
  f('rsc'),
  f('with-rsc'),
  f('score'),
  f('rsc-role'),
  f('with-rsc-role'),
  f('node-attribute'),
  f('influence'),
] as const;
export const ORDER_FIELDS = [
  req('id'),
  f('first'),
  f('then'),
  f('first-action'),
  f('then-action'),
  f('kind', { key: 'orderKind' }),
  f('score'),
  f('symmetrical'),
  f('require-all'),
] as const;
export const TICKET_FIELDS = [
  req('id'),
  f('ticket'),
  f('rsc'),
  f('rsc-role'),
  f('loss-policy'),
] as const;

export const ALERT_FIELDS = [req('id'), f('path'), f('description')] as const;
export const RECIPIENT_FIELDS = [req('id'), f('value'), f('description')] as const;
export const FENCING_LEVEL_FIELDS = [
  req('id'),
  f('index'),
  f('devices'),
  f('target'),
  f('target-pattern'),
  f('target-attribute'),
  f('target-value'),
] as const;

export const LRM_RSC_OP_FIELDS = [
  req('id'),
  f('operation_key'),
  req('operation'),
  f('crm-debug-origin'),
  f('crm_feature_set'),
  f('transition-key'),
  f('transition-magic'),
  int('call-id', { required: true }),
  int('rc-code', { required: true }),
  int('op-status', { required: true }),
  int('interval', { required: true }),
  int('last-run', { aliases: ['last_run'] }),
  int('last-rc-change', { aliases: ['last_rc_change'] }),
  int('exec-time', { aliases: ['exec_time'] }),
  int('queue-time', { aliases: ['queue_time'] }),
  f('op-digest'),
  f('op-force-restart'),
  f('op-restart-digest'),
  f('op-secure-params'),
  f('op-secure-digest'),
  f('exit-reason'),
  f('on_node'),
  f('migrate_source'),
  f('migrate_target'),
] as const;
export const LRM_RESOURCE_FIELDS = [
  req('id'),
  f('class'),
  f('provider'),
  f('type'),
  f('container'),
  int('shutdown-lock'),
] as const;
export const LRM_FIELDS = [f('id')] as const;
export const TRANSIENT_FIELDS = [f('id')] as const;
export const NODE_STATE_FIELDS = [
  f('id'),
  f('uname'),
  f('in_ccm'),
  f('crmd'),
  f('join'),
  f('expected'),
  f('shutdown'),
  f('ha'),
  f('crm-debug-origin'),
  f('remote_node'),
  f('node_fenced'),
  f('node_in_maintenance'),
  f('clear_shutdown'),
] as const;
export const TICKET_STATE_FIELDS = [
  req('id'),
  f('granted'),
  f('last-granted'),
  f('standby'),
] as const;
