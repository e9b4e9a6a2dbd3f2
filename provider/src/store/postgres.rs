//! The shared store: PostgreSQL, for several gateway replicas serving one service
//! with one ledger.
//!
//! "Safely" means: a channel's credit is spent at most once whichever replica a call
//! reaches. Each charge runs as one server-side function (`gb_charge`) that locks the
//! channel's row, raises `accepted`, checks the idempotency key and
//! `max(accepted, amount) ≥ spent + price`, and adds the price — so the check and the
//! charge are one atomic step against the shared ledger, not against a replica's
//! in-memory copy (which may lag; a refusal there is re-checked against the store).
//! A batch is one transaction (one WAL flush, `synchronous_commit` as the server is
//! configured, `on` by default) whose statements are pipelined in one round trip; the
//! batch's writes are ordered by channel id so that two replicas' batches lock rows in
//! the same order and cannot deadlock.

use super::*;
use crate::store::sqlite::{parse_vouchers_json, vouchers_json};
use futures::future::try_join_all;
use tokio::sync::Mutex;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

const SCHEMA: &str = r#"
SELECT pg_advisory_xact_lock(72427001);
CREATE TABLE IF NOT EXISTS gb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gb_channels (
    id BIGINT PRIMARY KEY,
    accepted NUMERIC(39,0) NOT NULL DEFAULT 0,
    signature BYTEA,
    spent NUMERIC(39,0) NOT NULL DEFAULT 0,
    unclaimed_since BIGINT,
    client BYTEA, payee BYTEA, service_id BIGINT, signer BYTEA,
    funds NUMERIC(39,0), claimed NUMERIC(39,0) NOT NULL DEFAULT 0, expiry BIGINT, open BOOLEAN
);
CREATE TABLE IF NOT EXISTS gb_idempotency (
    channel_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state SMALLINT NOT NULL,
    charged NUMERIC(39,0) NOT NULL,
    response BYTEA,
    created_at BIGINT NOT NULL,
    replica TEXT NOT NULL,
    PRIMARY KEY (channel_id, key)
);
CREATE INDEX IF NOT EXISTS gb_idempotency_created ON gb_idempotency (created_at);
CREATE TABLE IF NOT EXISTS gb_claims (
    id BIGSERIAL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    vouchers TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    done_at BIGINT
);
CREATE OR REPLACE FUNCTION gb_charge(
    p_channel BIGINT, p_amount NUMERIC, p_sig BYTEA, p_price NUMERIC,
    p_key TEXT, p_fp TEXT, p_expired_before BIGINT, p_replica TEXT, p_at BIGINT)
RETURNS TABLE (o_result TEXT, o_accepted TEXT, o_spent TEXT,
               o_fp TEXT, o_state SMALLINT, o_charged TEXT, o_response BYTEA)
LANGUAGE plpgsql AS $$
DECLARE
    r gb_channels%ROWTYPE;
    k gb_idempotency%ROWTYPE;
BEGIN
    INSERT INTO gb_channels (id) VALUES (p_channel) ON CONFLICT (id) DO NOTHING;
    SELECT * INTO r FROM gb_channels WHERE id = p_channel FOR UPDATE;
    IF p_amount > r.accepted THEN
        r.accepted := p_amount;
        r.signature := p_sig;
        IF r.unclaimed_since IS NULL AND p_amount > r.claimed THEN
            r.unclaimed_since := p_at;
        END IF;
        UPDATE gb_channels SET accepted = r.accepted, signature = r.signature,
            unclaimed_since = r.unclaimed_since WHERE id = p_channel;
    END IF;
    IF p_key IS NOT NULL THEN
        SELECT * INTO k FROM gb_idempotency WHERE channel_id = p_channel AND key = p_key;
        IF FOUND AND k.created_at >= p_expired_before THEN
            IF k.state = 1 AND k.fingerprint = p_fp THEN
                UPDATE gb_idempotency SET state = 0, replica = p_replica
                    WHERE channel_id = p_channel AND key = p_key;
                RETURN QUERY SELECT 'resumed'::text, r.accepted::text, r.spent::text,
                    k.fingerprint, k.state, k.charged::text, NULL::bytea;
                RETURN;
            END IF;
            RETURN QUERY SELECT 'key'::text, r.accepted::text, r.spent::text,
                k.fingerprint, k.state, k.charged::text, k.response;
            RETURN;
        END IF;
    END IF;
    IF GREATEST(r.accepted, p_amount) < r.spent + p_price THEN
        RETURN QUERY SELECT 'stale'::text, r.accepted::text, r.spent::text,
            NULL::text, NULL::smallint, NULL::text, NULL::bytea;
        RETURN;
    END IF;
    r.spent := r.spent + p_price;
    UPDATE gb_channels SET spent = r.spent WHERE id = p_channel;
    IF p_key IS NOT NULL THEN
        INSERT INTO gb_idempotency
            (channel_id, key, fingerprint, state, charged, response, created_at, replica)
        VALUES (p_channel, p_key, p_fp, 0, p_price, NULL, p_at, p_replica)
        ON CONFLICT (channel_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
            state = 0, charged = EXCLUDED.charged, response = NULL,
            created_at = EXCLUDED.created_at, replica = EXCLUDED.replica;
    END IF;
    RETURN QUERY SELECT 'charged'::text, r.accepted::text, r.spent::text,
        NULL::text, NULL::smallint, NULL::text, NULL::bytea;
END $$;
CREATE OR REPLACE FUNCTION gb_refund(p_channel BIGINT, p_price NUMERIC, p_key TEXT)
RETURNS TABLE (o_accepted TEXT, o_spent TEXT)
LANGUAGE plpgsql AS $$
BEGIN
    IF p_key IS NOT NULL THEN
        DELETE FROM gb_idempotency WHERE channel_id = p_channel AND key = p_key;
    END IF;
    INSERT INTO gb_channels (id) VALUES (p_channel) ON CONFLICT (id) DO NOTHING;
    RETURN QUERY UPDATE gb_channels AS c SET spent = GREATEST(c.spent - p_price, 0)
        WHERE c.id = p_channel RETURNING c.accepted::text, c.spent::text;
END $$;
"#;

const CHANNEL_COLUMNS: &str =
    "id, accepted::text, signature, spent::text, unclaimed_since, client, payee, \
     service_id, signer, funds::text, claimed::text, expiry, open";

/// Prepared statements.
struct Stmts {
    charge: Statement,
    refund: Statement,
    complete: Statement,
    channel: Statement,
    claim_intent: Statement,
    claimed: Statement,
    claim_done: Statement,
    prune: Statement,
}

struct Conn {
    client: Client,
    stmts: Stmts,
}

/// The PostgreSQL store.
pub struct PostgresStore {
    url: String,
    conn: Mutex<Option<Conn>>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn id_sql(id: ChannelId) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| StoreError::Corrupt(format!("channel id {id} beyond i64")))
}

fn amount(text: &str) -> Result<Balance, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("amount `{text}`: {e}")))
}

async fn connect(url: &str) -> Result<Conn, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "PostgreSQL connection closed");
        }
    });
    let mut client = client;
    let tx = client.transaction().await.map_err(unavailable)?;
    tx.batch_execute(SCHEMA).await.map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)?;
    let p = |sql: &'static str| {
        let c = &client;
        async move { c.prepare(sql).await.map_err(unavailable) }
    };
    let stmts = Stmts {
        charge: p("SELECT * FROM gb_charge($1, ($2::text)::numeric, $3, ($4::text)::numeric, $5, $6, $7, $8, $9)").await?,
        refund: p("SELECT * FROM gb_refund($1, ($2::text)::numeric, $3)").await?,
        complete: p("UPDATE gb_idempotency SET state = 2, response = $3 WHERE channel_id = $1 AND key = $2").await?,
        channel: p(
            "INSERT INTO gb_channels (id, client, payee, service_id, signer, funds, claimed, expiry, open)
             VALUES ($1, $2, $3, $4, $5, ($6::text)::numeric, ($7::text)::numeric, $8, $9)
             ON CONFLICT (id) DO UPDATE SET client = EXCLUDED.client, payee = EXCLUDED.payee,
               service_id = EXCLUDED.service_id, signer = EXCLUDED.signer,
               funds = GREATEST(COALESCE(gb_channels.funds, 0), EXCLUDED.funds),
               claimed = GREATEST(gb_channels.claimed, EXCLUDED.claimed),
               expiry = GREATEST(COALESCE(gb_channels.expiry, 0), EXCLUDED.expiry),
               open = COALESCE(gb_channels.open, TRUE) AND EXCLUDED.open,
               unclaimed_since = CASE WHEN GREATEST(gb_channels.claimed, EXCLUDED.claimed) >= gb_channels.accepted
                                      THEN NULL ELSE gb_channels.unclaimed_since END",
        )
        .await?,
        claim_intent: p("INSERT INTO gb_claims (created_at, vouchers, state) VALUES ($1, $2, 'pending') RETURNING id").await?,
        claimed: p(
            "UPDATE gb_channels SET claimed = GREATEST(claimed, ($2::text)::numeric),
               unclaimed_since = CASE WHEN GREATEST(claimed, ($2::text)::numeric) >= accepted
                                      THEN NULL ELSE unclaimed_since END
             WHERE id = $1",
        )
        .await?,
        claim_done: p("UPDATE gb_claims SET state = $2, note = $3, done_at = $4 WHERE id = $1").await?,
        prune: p("DELETE FROM gb_idempotency WHERE created_at < $1").await?,
    };
    Ok(Conn { client, stmts })
}

/// One statement of a batch: which, and its parameters.
struct Call {
    stmt: fn(&Stmts) -> &Statement,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    Charge,
    Refund,
    Claim,
    Done,
}

fn call(op: Op) -> Result<(u64, Vec<Call>), StoreError> {
    fn b<T: ToSql + Sync + Send + 'static>(v: T) -> Box<dyn ToSql + Sync + Send> {
        Box::new(v)
    }
    Ok(match op {
        Op::Charge {
            channel,
            amount,
            signature,
            price,
            key,
            at_ms,
        } => {
            let (k, fp, exp, replica) = match key {
                Some(k) => (
                    Some(k.key),
                    Some(k.fingerprint),
                    k.expired_before_ms as i64,
                    k.replica,
                ),
                None => (None, None, 0, String::new()),
            };
            (
                channel,
                vec![Call {
                    stmt: |s| &s.charge,
                    params: vec![
                        b(id_sql(channel)?),
                        b(amount.to_string()),
                        b(encode_signature(&signature)),
                        b(price.to_string()),
                        b(k),
                        b(fp),
                        b(exp),
                        b(replica),
                        b(at_ms as i64),
                    ],
                    kind: Kind::Charge,
                }],
            )
        }
        Op::Refund {
            channel,
            price,
            key,
        } => (
            channel,
            vec![Call {
                stmt: |s| &s.refund,
                params: vec![b(id_sql(channel)?), b(price.to_string()), b(key)],
                kind: Kind::Refund,
            }],
        ),
        Op::Complete {
            channel,
            key,
            response,
        } => {
            let body = response
                .map(|r| serde_json::to_vec(&r))
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            (
                channel,
                vec![Call {
                    stmt: |s| &s.complete,
                    params: vec![b(id_sql(channel)?), b(key), b(body)],
                    kind: Kind::Done,
                }],
            )
        }
        Op::Channel { channel, chain: c } => (
            channel,
            vec![Call {
                stmt: |s| &s.channel,
                params: vec![
                    b(id_sql(channel)?),
                    b(c.client.to_vec()),
                    b(c.payee.to_vec()),
                    b(c.service_id as i64),
                    b(encode_signer(&c.signer)),
                    b(c.funds.to_string()),
                    b(c.claimed.to_string()),
                    b(c.expiry as i64),
                    b(c.open),
                ],
                kind: Kind::Done,
            }],
        ),
        Op::ClaimIntent { vouchers, at_ms } => (
            u64::MAX,
            vec![Call {
                stmt: |s| &s.claim_intent,
                params: vec![b(at_ms as i64), b(vouchers_json(&vouchers))],
                kind: Kind::Claim,
            }],
        ),
        Op::ClaimDone {
            claim,
            claimed,
            ok,
            note,
            at_ms,
        } => {
            let mut calls = Vec::new();
            for (channel, total) in claimed {
                calls.push(Call {
                    stmt: |s| &s.claimed,
                    params: vec![b(id_sql(channel)?), b(total.to_string())],
                    kind: Kind::Done,
                });
            }
            calls.push(Call {
                stmt: |s| &s.claim_done,
                params: vec![
                    b(claim as i64),
                    b(if ok { "done" } else { "failed" }.to_string()),
                    b(note),
                    b(at_ms as i64),
                ],
                kind: Kind::Done,
            });
            (u64::MAX, calls)
        }
        Op::Prune { before_ms } => (
            u64::MAX,
            vec![Call {
                stmt: |s| &s.prune,
                params: vec![b(before_ms as i64)],
                kind: Kind::Done,
            }],
        ),
    })
}

fn ledger(accepted: Option<String>, spent: Option<String>) -> Result<LedgerValues, StoreError> {
    Ok(LedgerValues {
        accepted: amount(&accepted.unwrap_or_else(|| "0".into()))?,
        spent: amount(&spent.unwrap_or_else(|| "0".into()))?,
    })
}

fn outcome(kind: Kind, rows: &[Row]) -> Result<Outcome, StoreError> {
    let corrupt = |e: tokio_postgres::Error| StoreError::Corrupt(e.to_string());
    match kind {
        Kind::Done => Ok(Outcome::Done),
        Kind::Claim => {
            let id: i64 = rows
                .first()
                .ok_or_else(|| StoreError::Corrupt("no claim id".into()))?
                .try_get(0)
                .map_err(corrupt)?;
            Ok(Outcome::Claim(id as u64))
        }
        Kind::Refund => {
            let r = rows
                .first()
                .ok_or_else(|| StoreError::Corrupt("no refund row".into()))?;
            Ok(Outcome::Refunded(ledger(
                r.try_get(0).map_err(corrupt)?,
                r.try_get(1).map_err(corrupt)?,
            )?))
        }
        Kind::Charge => {
            let r = rows
                .first()
                .ok_or_else(|| StoreError::Corrupt("no charge row".into()))?;
            let result: String = r.try_get(0).map_err(corrupt)?;
            let values = ledger(
                r.try_get(1).map_err(corrupt)?,
                r.try_get(2).map_err(corrupt)?,
            )?;
            let record = || -> Result<KeyRecord, StoreError> {
                let state: i16 = r.try_get(4).map_err(corrupt)?;
                let response: Option<Vec<u8>> = r.try_get(6).map_err(corrupt)?;
                Ok(KeyRecord {
                    fingerprint: r.try_get(3).map_err(corrupt)?,
                    state: match state {
                        0 => KeyState::InFlight,
                        1 => KeyState::Interrupted,
                        _ => KeyState::Done(
                            response
                                .map(|b| serde_json::from_slice(&b))
                                .transpose()
                                .map_err(|e| {
                                    StoreError::Corrupt(format!("stored response: {e}"))
                                })?,
                        ),
                    },
                    charged: amount(&r.try_get::<_, String>(5).map_err(corrupt)?)?,
                })
            };
            let result = match result.as_str() {
                "charged" => ChargeResult::Charged,
                "stale" => ChargeResult::Stale,
                "resumed" => ChargeResult::Resumed {
                    charged: record()?.charged,
                },
                "key" => ChargeResult::KeyInUse(record()?),
                other => return Err(StoreError::Corrupt(format!("gb_charge answered `{other}`"))),
            };
            Ok(Outcome::Charge(result, values))
        }
    }
}

fn stored_channel(r: &Row) -> Result<StoredChannel, StoreError> {
    let corrupt = |e: tokio_postgres::Error| StoreError::Corrupt(e.to_string());
    let id: i64 = r.try_get(0).map_err(corrupt)?;
    let signature: Option<Vec<u8>> = r.try_get(2).map_err(corrupt)?;
    let client: Option<Vec<u8>> = r.try_get(5).map_err(corrupt)?;
    let acct = |b: Vec<u8>| -> Result<[u8; 32], StoreError> {
        b.try_into()
            .map_err(|_| StoreError::Corrupt("account of the wrong length".into()))
    };
    let chain = match client {
        None => None,
        Some(client) => Some(OnChain {
            client: acct(client)?,
            payee: acct(r.try_get(6).map_err(corrupt)?)?,
            service_id: r.try_get::<_, i64>(7).map_err(corrupt)? as u64,
            signer: decode_signer(&r.try_get::<_, Vec<u8>>(8).map_err(corrupt)?)?,
            funds: amount(&r.try_get::<_, String>(9).map_err(corrupt)?)?,
            claimed: amount(&r.try_get::<_, String>(10).map_err(corrupt)?)?,
            expiry: r.try_get::<_, i64>(11).map_err(corrupt)? as u64,
            open: r.try_get(12).map_err(corrupt)?,
        }),
    };
    Ok(StoredChannel {
        id: id as u64,
        ledger: ledger(
            r.try_get(1).map_err(corrupt)?,
            r.try_get(3).map_err(corrupt)?,
        )?,
        signature: signature.map(|s| decode_signature(&s)).transpose()?,
        chain,
        unclaimed_since: r
            .try_get::<_, Option<i64>>(4)
            .map_err(corrupt)?
            .map(|t| t as u64),
    })
}

impl PostgresStore {
    /// Connects to the database at `url` and creates the tables if needed.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let conn = connect(url).await?;
        Ok(PostgresStore {
            url: url.to_string(),
            conn: Mutex::new(Some(conn)),
        })
    }

    /// The connection, reconnecting if it was lost.
    async fn conn(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Conn>>, StoreError> {
        let mut guard = self.conn.lock().await;
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            *guard = None;
            *guard = Some(connect(&self.url).await?);
        }
        Ok(guard)
    }

    async fn query_channels(
        &self,
        filter: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<StoredChannel>, StoreError> {
        let guard = self.conn().await?;
        let c = guard.as_ref().ok_or(StoreError::Closed)?;
        let rows = c
            .client
            .query(
                &format!("SELECT {CHANNEL_COLUMNS} FROM gb_channels {filter}"),
                params,
            )
            .await
            .map_err(unavailable)?;
        rows.iter().map(stored_channel).collect()
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn shared(&self) -> bool {
        true
    }

    async fn open(&self, binding: &Binding, replica: &str) -> Result<(), StoreError> {
        let mut guard = self.conn().await?;
        let c = guard.as_mut().ok_or(StoreError::Closed)?;
        let tx = c.client.transaction().await.map_err(unavailable)?;
        tx.execute("SELECT pg_advisory_xact_lock(72427001)", &[])
            .await
            .map_err(unavailable)?;
        let expected = binding.text();
        let found = tx
            .query_opt("SELECT value FROM gb_meta WHERE key = 'binding'", &[])
            .await
            .map_err(unavailable)?;
        match found {
            Some(row) => {
                let found: String = row.get(0);
                if found != expected {
                    return Err(StoreError::Binding { found, expected });
                }
            }
            None => {
                tx.execute(
                    "INSERT INTO gb_meta (key, value) VALUES ('binding', $1)",
                    &[&expected],
                )
                .await
                .map_err(unavailable)?;
            }
        }
        // This replica's calls in flight when it stopped are resumable.
        tx.execute(
            "UPDATE gb_idempotency SET state = 1 WHERE state = 0 AND replica = $1",
            &[&replica],
        )
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<Outcome>, StoreError> {
        // Order by channel (stably): row locks are taken in one global order.
        let mut planned: Vec<(usize, u64, Vec<Call>)> = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            let (channel, calls) = call(op)?;
            planned.push((i, channel, calls));
        }
        planned.sort_by_key(|(_, channel, _)| *channel);
        let mut guard = self.conn().await?;
        let c = guard.as_mut().ok_or(StoreError::Closed)?;
        let result = async {
            let tx = c.client.transaction().await.map_err(unavailable)?;
            let stmts = &c.stmts;
            let mut futures = Vec::new();
            for (_, _, calls) in &planned {
                for call in calls {
                    let params: Vec<&(dyn ToSql + Sync)> = call
                        .params
                        .iter()
                        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                        .collect();
                    let stmt = (call.stmt)(stmts);
                    let tx = &tx;
                    futures.push(async move { tx.query(stmt, &params).await });
                }
            }
            // Issued together: pipelined in one round trip, executed in order.
            let rows = try_join_all(futures).await.map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
            Ok::<_, StoreError>(rows)
        }
        .await;
        let rows = match result {
            Ok(rows) => rows,
            Err(e) => {
                // A broken connection is replaced at the next commit.
                if c.client.is_closed() {
                    *guard = None;
                }
                return Err(e);
            }
        };
        let mut outcomes: Vec<Option<Outcome>> = vec![None; planned.len()];
        let mut rows = rows.into_iter();
        for (index, _, calls) in &planned {
            let mut last = Outcome::Done;
            for (n, call) in calls.iter().enumerate() {
                let r = rows
                    .next()
                    .ok_or_else(|| StoreError::Corrupt("missing rows".into()))?;
                if n == 0 {
                    last = outcome(call.kind, &r)?;
                }
            }
            outcomes[*index] = Some(last);
        }
        outcomes
            .into_iter()
            .map(|o| o.ok_or_else(|| StoreError::Corrupt("missing outcome".into())))
            .collect()
    }

    async fn channels(&self) -> Result<Vec<StoredChannel>, StoreError> {
        self.query_channels("", &[]).await
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<StoredChannel>, StoreError> {
        let id = id_sql(id)?;
        Ok(self
            .query_channels("WHERE id = $1", &[&id])
            .await?
            .into_iter()
            .next())
    }

    async fn claimable(&self) -> Result<Vec<StoredChannel>, StoreError> {
        self.query_channels(
            "WHERE accepted > claimed AND open AND signature IS NOT NULL",
            &[],
        )
        .await
    }

    async fn open_claims(&self) -> Result<Vec<ClaimRecord>, StoreError> {
        let guard = self.conn().await?;
        let c = guard.as_ref().ok_or(StoreError::Closed)?;
        let rows = c
            .client
            .query("SELECT id, vouchers, created_at FROM gb_claims WHERE state = 'pending' ORDER BY id", &[])
            .await
            .map_err(unavailable)?;
        rows.iter()
            .map(|r| {
                Ok(ClaimRecord {
                    id: r.get::<_, i64>(0) as u64,
                    vouchers: parse_vouchers_json(&r.get::<_, String>(1))?,
                    at_ms: r.get::<_, i64>(2) as u64,
                })
            })
            .collect()
    }
}
