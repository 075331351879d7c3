/**
 * The one configuration schema (DESIGN "Configuration"), with defaults. TypeBox gives the JSON
 * Schema and the static type from one declaration; load-config.ts validates against it once.
 */
import { type Static, Type } from '@sinclair/typebox';

const Range = Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })], {
  description: 'inclusive score range [low, high]',
});

const Condition = Type.Object(
  {
    gte: Type.Optional(Type.Number()),
    gt: Type.Optional(Type.Number()),
    lte: Type.Optional(Type.Number()),
    lt: Type.Optional(Type.Number()),
    eq: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

/** One segment rule: score ranges and `when` conditions on numeric fields, all must hold. */
export const SegmentRule = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    r: Type.Optional(Range),
    f: Type.Optional(Range),
    m: Type.Optional(Range),
    when: Type.Optional(Type.Record(Type.String(), Condition)),
    /** The number of bins the ranges are written for (default: `scores.bins`). */
    bins: Type.Optional(Type.Integer({ minimum: 2, maximum: 100 })),
  },
  { additionalProperties: false },
);

/** DESIGN's default segment table, written for 5 bins. */
export const DEFAULT_SEGMENTS: Static<typeof SegmentRule>[] = [
  { name: 'champions', r: [4, 5], f: [4, 5], m: [4, 5], bins: 5 },
  { name: 'cant_lose', r: [1, 2], f: [4, 5], m: [4, 5], bins: 5 },
  { name: 'at_risk', r: [1, 2], f: [3, 5], m: [3, 5], bins: 5 },
  { name: 'loyal', r: [3, 5], f: [3, 5], m: [3, 5], bins: 5 },
  { name: 'new', r: [5, 5], f: [1, 1], m: [1, 5], bins: 5 },
  { name: 'promising', r: [4, 4], f: [1, 1], m: [1, 5], bins: 5 },
  { name: 'potential_loyalist', r: [4, 5], f: [2, 5], m: [1, 5], bins: 5 },
  { name: 'need_attention', r: [3, 3], f: [2, 5], m: [1, 5], bins: 5 },
  { name: 'about_to_sleep', r: [3, 3], f: [1, 1], m: [1, 5], bins: 5 },
  { name: 'hibernating', r: [2, 2], f: [1, 5], m: [1, 5], bins: 5 },
  { name: 'lost', r: [1, 1], f: [1, 5], m: [1, 5], bins: 5 },
];

const Level = Type.Object(
  { name: Type.String({ minLength: 1 }), min_spend: Type.Number() },
  { additionalProperties: false },
);

const strict = { additionalProperties: false, default: {} } as const;

const SourceColumn = Type.Optional(Type.String({ minLength: 1, maxLength: 256 }));

/** DESIGN "Data in": how the input is read (the CLI's `--map`, `--ts-format` and `--decimal` say the same and win). */
const InputSchema = Type.Object(
  {
    columns: Type.Object(
      {
        customer_id: SourceColumn,
        ts: SourceColumn,
        amount: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'a column, or "Quantity*UnitPrice" for line items' })),
        margin: SourceColumn,
        order_id: SourceColumn,
        quantity: SourceColumn,
        price: SourceColumn,
      },
      { additionalProperties: false, default: {}, description: 'source column of each contract column the input names differently' },
    ),
    ts_format: Type.String({ minLength: 1, maxLength: 128, default: 'auto', description: "'auto' or a strftime-style pattern such as %m/%d/%Y %H:%M" }),
    decimal: Type.Union([Type.Literal('auto'), Type.Literal('.'), Type.Literal(',')], { default: 'auto', description: 'decimal mark of text amounts' }),
  },
  strict,
);

/** The whole configuration file. */
export const ConfigSchema = Type.Object(
  {
    input: InputSchema,
    scores: Type.Object({ bins: Type.Integer({ minimum: 2, maximum: 100, default: 5 }) }, strict),
    segments: Type.Array(SegmentRule, { minItems: 1, default: DEFAULT_SEGMENTS }),
    spend_bands: Type.Object(
      {
        by: Type.String({ default: 'weekly_spend', description: 'numeric customer field the bands cut' }),
        quantiles: Type.Integer({ minimum: 2, maximum: 1000, default: 10 }),
        edges: Type.Optional(Type.Array(Type.Number(), { minItems: 1, description: 'explicit money edges, ascending' })),
      },
      strict,
    ),
    tiers: Type.Object(
      {
        window_days: Type.Integer({ minimum: 1, default: 365 }),
        grace: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
        levels: Type.Array(Level, {
          minItems: 1,
          default: [
            { name: 'bronze', min_spend: 0 },
            { name: 'silver', min_spend: 500 },
            { name: 'gold', min_spend: 2000 },
            { name: 'platinum', min_spend: 10000 },
          ],
        }),
      },
      strict,
    ),
    lifecycle: Type.Object(
      {
        new_days: Type.Integer({ minimum: 0, default: 30 }),
        active_days: Type.Integer({ minimum: 0, default: 90 }),
        at_risk_days: Type.Integer({ minimum: 0, default: 180 }),
        lapsed_days: Type.Integer({ minimum: 0, default: 365 }),
        /** Ordered rules judged before the day thresholds: the first whose conditions all hold sets the stage. */
        rules: Type.Optional(
          Type.Array(
            Type.Object(
              {
                stage: Type.Union(['new', 'active', 'at_risk', 'lapsed', 'lost'].map((v) => Type.Literal(v))),
                when: Type.Record(Type.String(), Condition),
              },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      strict,
    ),
    /** Why a lifecycle-lost customer was lost: the first rule whose conditions all hold names it, `other` when none does. */
    lost_reasons: Type.Array(
      Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), when: Type.Record(Type.String(), Condition) }, { additionalProperties: false }),
      {
        default: [
          { name: 'returns_heavy', when: { returned_share: { gte: 0.3 } } },
          { name: 'one_time_buyer', when: { orders: { eq: 1 } } },
        ],
      },
    ),
    win_back: Type.Object({ min_m_score: Type.Integer({ minimum: 1, default: 4 }) }, strict),
    models: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        horizon_days: Type.Integer({ minimum: 1, default: 365 }),
        annual_discount_rate: Type.Number({ minimum: 0, default: 0.1 }),
        holdout_days: Type.Integer({ minimum: 0, maximum: 3650, default: 0, description: 'also fit on the data up to as_of minus this many days and check the predictions of those days (0: no check)' }),
      },
      strict,
    ),
    publish: Type.Object(
      {
        max_reject_share: Type.Number({ minimum: 0, maximum: 1, default: 0.05, description: 'refuse to publish above this share of rejected rows (missing ids not counted)' }),
        min_customers: Type.Integer({ minimum: 0, default: 1 }),
        max_customer_drop: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'refuse when the customer count falls by more than this share from the live snapshot' }),
      },
      strict,
    ),
    live_events: Type.Object(
      { superseded_by_input: Type.Boolean({ default: false, description: 'drop archived events dated at or before the input\'s latest timestamp' }) },
      strict,
    ),
    snapshots: Type.Object({ keep: Type.Integer({ minimum: 1, default: 7 }) }, strict),
    report: Type.Object(
      { currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD', description: 'ISO 4217 code of the money the report and the dashboard show' }) },
      strict,
    ),
    // Where a node runs, not what a rescore computes: no default, so a single machine's config (and its hash) is unchanged.
    cluster: Type.Optional(
      Type.Object(
        {
          servers: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { description: 'NATS servers of the JetStream cluster: nats://host:port, a list or comma-separated (docs/cluster.md)' }),
          node: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'this node\'s id in the cluster' })),
          shards: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, description: 'shards of a new cluster\'s customer base' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A validated configuration, every default filled in. */
export type Config = Static<typeof ConfigSchema>;
/** One segment rule. */
export type SegmentRuleConfig = Static<typeof SegmentRule>;
