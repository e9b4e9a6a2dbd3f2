//! The embedded store: one SQLite file (WAL, `synchronous=FULL`: a commit returns
//! once the WAL is fsynced), locked exclusively by one gateway process.
//!
//! The ledger's arithmetic (u128 amounts, which SQLite's 64-bit integers cannot hold)
//! is done here in Rust, on a mirror of the `channels` table that this process alone
//! writes; amounts are stored as decimal text (readable with the `sqlite3` shell).

use super::*;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS channels (
    id INTEGER PRIMARY KEY,
    accepted TEXT NOT NULL,
    signature BLOB,
    spent TEXT NOT NULL,
    unclaimed_since INTEGER,
    client BLOB, payee BLOB, service_id INTEGER, signer BLOB,
    funds TEXT, claimed TEXT, expiry INTEGER, open INTEGER
);
CREATE TABLE IF NOT EXISTS idempotency (
    channel_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state INTEGER NOT NULL,
    charged TEXT NOT NULL,
    response BLOB,
    created_at INTEGER NOT NULL,
    replica TEXT NOT NULL,
    PRIMARY KEY (channel_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    vouchers TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    done_at INTEGER
);
";

const IN_FLIGHT: i64 = 0;
const INTERRUPTED: i64 = 1;
const DONE: i64 = 2;

/// A channel's row, mirrored in memory.
#[derive(Debug, Clone, Default)]
struct Row {
    accepted: Balance,
    signature: Option<VoucherSignature>,
    spent: Balance,
    unclaimed_since: Option<u64>,
    chain: Option<OnChain>,
}

impl Row {
    fn ledger(&self) -> LedgerValues {
        LedgerValues {
            accepted: self.accepted,
            spent: self.spent,
        }
    }

    fn stored(&self, id: ChannelId) -> StoredChannel {
        StoredChannel {
            id,
            ledger: self.ledger(),
            signature: self.signature,
            chain: self.chain.clone(),
            unclaimed_since: self.unclaimed_since,
        }
    }

    /// Clears `unclaimed_since` once everything accepted is claimed.
    fn after_claimed(&mut self) {
        if let Some(c) = &self.chain {
            if c.claimed >= self.accepted {
                self.unclaimed_since = None;
            }
        }
    }
}

struct Inner {
    conn: Connection,
    rows: HashMap<ChannelId, Row>,
}

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Mutex<Inner>>,
    path: PathBuf,
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

fn account(bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("account of the wrong length".into()))
}

impl SqliteStore {
    /// Opens (or creates) the store file at `path` and locks it for this process.
    /// Errors: another process holds it, or the file is not a gateway store.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)
            .map_err(|e| unavailable(format!("cannot open {}: {e}", path.display())))?;
        // Exclusive locking before WAL: no shared memory, no other process.
        conn.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;",
        )
        .map_err(|e| unavailable(format!("{}: {e}", path.display())))?;
        // Take the lock now, so that a second gateway on the same file fails here.
        conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
            .map_err(|e| {
                unavailable(format!(
                    "{} is in use by another process (a second gateway on the same store?): {e}",
                    path.display()
                ))
            })?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        let rows = load_rows(&conn)?;
        Ok(SqliteStore {
            inner: Arc::new(Mutex::new(Inner { conn, rows })),
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Inner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| unavailable(format!("store task: {e}")))?
    }
}

fn load_rows(conn: &Connection) -> Result<HashMap<ChannelId, Row>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, accepted, signature, spent, unclaimed_since, client, payee, service_id,
                    signer, funds, claimed, expiry, open FROM channels",
        )
        .map_err(unavailable)?;
    let mut rows = HashMap::new();
    let mut q = stmt.query([]).map_err(unavailable)?;
    while let Some(r) = q.next().map_err(unavailable)? {
        let get = |e: rusqlite::Error| StoreError::Corrupt(e.to_string());
        let id: i64 = r.get(0).map_err(get)?;
        let signature: Option<Vec<u8>> = r.get(2).map_err(get)?;
        let client: Option<Vec<u8>> = r.get(5).map_err(get)?;
        let chain = match client {
            None => None,
            Some(client) => Some(OnChain {
                client: account(client)?,
                payee: account(r.get(6).map_err(get)?)?,
                service_id: r.get::<_, i64>(7).map_err(get)? as u64,
                signer: decode_signer(&r.get::<_, Vec<u8>>(8).map_err(get)?)?,
                funds: amount(&r.get::<_, String>(9).map_err(get)?)?,
                claimed: amount(&r.get::<_, String>(10).map_err(get)?)?,
                expiry: r.get::<_, i64>(11).map_err(get)? as u64,
                open: r.get::<_, i64>(12).map_err(get)? != 0,
            }),
        };
        rows.insert(
            id as u64,
            Row {
                accepted: amount(&r.get::<_, String>(1).map_err(get)?)?,
                signature: signature.map(|s| decode_signature(&s)).transpose()?,
                spent: amount(&r.get::<_, String>(3).map_err(get)?)?,
                unclaimed_since: r.get::<_, Option<i64>>(4).map_err(get)?.map(|t| t as u64),
                chain,
            },
        );
    }
    Ok(rows)
}

/// The batch being applied: rows changed so far (copies), written at the end.
struct Batch<'a> {
    base: &'a HashMap<ChannelId, Row>,
    changed: HashMap<ChannelId, Row>,
}

impl Batch<'_> {
    fn row(&mut self, id: ChannelId) -> &mut Row {
        let base = self.base;
        self.changed
            .entry(id)
            .or_insert_with(|| base.get(&id).cloned().unwrap_or_default())
    }
}

fn apply(tx: &rusqlite::Transaction<'_>, b: &mut Batch<'_>, op: Op) -> Result<Outcome, StoreError> {
    match op {
        Op::Charge {
            channel,
            amount,
            signature,
            price,
            key,
            at_ms,
        } => {
            let row = b.row(channel);
            if amount > row.accepted {
                row.accepted = amount;
                row.signature = Some(signature);
                let claimed = row.chain.as_ref().map_or(0, |c| c.claimed);
                if row.unclaimed_since.is_none() && amount > claimed {
                    row.unclaimed_since = Some(at_ms);
                }
            }
            let ledger = row.ledger();
            let required = row.spent.saturating_add(price);
            let cid = id_sql(channel)?;
            if let Some(k) = &key {
                if let Some(rec) = key_record(tx, cid, &k.key, k.expired_before_ms)? {
                    if rec.state == KeyState::Interrupted && rec.fingerprint == k.fingerprint {
                        tx.prepare_cached(
                            "UPDATE idempotency SET state = ?3, replica = ?4
                             WHERE channel_id = ?1 AND key = ?2",
                        )
                        .and_then(|mut s| s.execute(params![cid, k.key, IN_FLIGHT, k.replica]))
                        .map_err(unavailable)?;
                        let charged = rec.charged;
                        return Ok(Outcome::Charge(ChargeResult::Resumed { charged }, ledger));
                    }
                    return Ok(Outcome::Charge(ChargeResult::KeyInUse(rec), ledger));
                }
            }
            if row.accepted.max(amount) < required {
                return Ok(Outcome::Charge(ChargeResult::Stale, ledger));
            }
            row.spent = required;
            let ledger = row.ledger();
            if let Some(k) = key {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO idempotency
                     (channel_id, key, fingerprint, state, charged, response, created_at, replica)
                     VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        cid,
                        k.key,
                        k.fingerprint,
                        IN_FLIGHT,
                        price.to_string(),
                        at_ms as i64,
                        k.replica
                    ])
                })
                .map_err(unavailable)?;
            }
            Ok(Outcome::Charge(ChargeResult::Charged, ledger))
        }
        Op::Refund {
            channel,
            price,
            key,
        } => {
            let row = b.row(channel);
            row.spent = row.spent.saturating_sub(price);
            let ledger = row.ledger();
            if let Some(key) = key {
                let cid = id_sql(channel)?;
                tx.prepare_cached("DELETE FROM idempotency WHERE channel_id = ?1 AND key = ?2")
                    .and_then(|mut s| s.execute(params![cid, key]))
                    .map_err(unavailable)?;
            }
            Ok(Outcome::Refunded(ledger))
        }
        Op::Complete {
            channel,
            key,
            response,
        } => {
            let body = response
                .map(|r| serde_json::to_vec(&r))
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let cid = id_sql(channel)?;
            tx.prepare_cached(
                "UPDATE idempotency SET state = ?3, response = ?4 WHERE channel_id = ?1 AND key = ?2",
            )
            .and_then(|mut s| s.execute(params![cid, key, DONE, body]))
            .map_err(unavailable)?;
            Ok(Outcome::Done)
        }
        Op::Channel { channel, chain } => {
            let row = b.row(channel);
            row.chain = Some(chain);
            row.after_claimed();
            Ok(Outcome::Done)
        }
        Op::ClaimIntent { vouchers, at_ms } => {
            let text = vouchers_json(&vouchers);
            tx.prepare_cached(
                "INSERT INTO claims (created_at, vouchers, state) VALUES (?1, ?2, 'pending')",
            )
            .and_then(|mut s| s.execute(params![at_ms as i64, text]))
            .map_err(unavailable)?;
            Ok(Outcome::Claim(tx.last_insert_rowid() as u64))
        }
        Op::ClaimDone {
            claim,
            claimed,
            ok,
            note,
            at_ms,
        } => {
            for (channel, total) in claimed {
                let row = b.row(channel);
                if let Some(c) = &mut row.chain {
                    c.claimed = c.claimed.max(total);
                }
                row.after_claimed();
            }
            tx.prepare_cached(
                "UPDATE claims SET state = ?2, note = ?3, done_at = ?4 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    claim as i64,
                    if ok { "done" } else { "failed" },
                    note,
                    at_ms as i64
                ])
            })
            .map_err(unavailable)?;
            Ok(Outcome::Done)
        }
        Op::Prune { before_ms } => {
            tx.prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")
                .and_then(|mut s| s.execute(params![before_ms as i64]))
                .map_err(unavailable)?;
            Ok(Outcome::Done)
        }
    }
}

fn key_record(
    tx: &rusqlite::Transaction<'_>,
    channel: i64,
    key: &str,
    expired_before_ms: u64,
) -> Result<Option<KeyRecord>, StoreError> {
    let row = tx
        .prepare_cached(
            "SELECT fingerprint, state, charged, response, created_at FROM idempotency
             WHERE channel_id = ?1 AND key = ?2",
        )
        .and_then(|mut s| {
            s.query_row(params![channel, key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()
        })
        .map_err(unavailable)?;
    let Some((fingerprint, state, charged, response, created_at)) = row else {
        return Ok(None);
    };
    if (created_at as u64) < expired_before_ms {
        return Ok(None);
    }
    let state = match state {
        IN_FLIGHT => KeyState::InFlight,
        INTERRUPTED => KeyState::Interrupted,
        _ => KeyState::Done(
            response
                .map(|r| serde_json::from_slice(&r))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("stored response: {e}")))?,
        ),
    };
    Ok(Some(KeyRecord {
        fingerprint,
        state,
        charged: amount(&charged)?,
    }))
}

pub(crate) fn vouchers_json(vouchers: &[(ChannelId, Balance)]) -> String {
    let list: Vec<(ChannelId, String)> =
        vouchers.iter().map(|(c, a)| (*c, a.to_string())).collect();
    serde_json::to_string(&list).unwrap_or_default()
}

pub(crate) fn parse_vouchers_json(text: &str) -> Result<Vec<(ChannelId, Balance)>, StoreError> {
    let list: Vec<(ChannelId, String)> =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("claim: {e}")))?;
    list.into_iter()
        .map(|(c, a)| Ok((c, amount(&a)?)))
        .collect()
}

fn write_row(tx: &rusqlite::Transaction<'_>, id: ChannelId, r: &Row) -> Result<(), StoreError> {
    let sig = r.signature.as_ref().map(encode_signature);
    let c = r.chain.as_ref();
    let id = id_sql(id)?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO channels
         (id, accepted, signature, spent, unclaimed_since, client, payee, service_id, signer,
          funds, claimed, expiry, open)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            r.accepted.to_string(),
            sig,
            r.spent.to_string(),
            r.unclaimed_since.map(|t| t as i64),
            c.map(|c| c.client.to_vec()),
            c.map(|c| c.payee.to_vec()),
            c.map(|c| c.service_id as i64),
            c.map(|c| encode_signer(&c.signer)),
            c.map(|c| c.funds.to_string()),
            c.map(|c| c.claimed.to_string()),
            c.map(|c| c.expiry as i64),
            c.map(|c| c.open as i64),
        ])
    })
    .map_err(unavailable)?;
    Ok(())
}

fn commit_batch(inner: &mut Inner, ops: Vec<Op>) -> Result<Vec<Outcome>, StoreError> {
    let Inner { conn, rows } = inner;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    let mut batch = Batch {
        base: rows,
        changed: HashMap::new(),
    };
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        outcomes.push(apply(&tx, &mut batch, op)?);
    }
    for (id, row) in &batch.changed {
        write_row(&tx, *id, row)?;
    }
    let changed = batch.changed;
    tx.commit().map_err(unavailable)?;
    rows.extend(changed);
    Ok(outcomes)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn shared(&self) -> bool {
        false
    }

    async fn open(&self, binding: &Binding, _replica: &str) -> Result<(), StoreError> {
        let expected = binding.text();
        self.with(move |inner| {
            let found: Option<String> = inner
                .conn
                .query_row("SELECT value FROM meta WHERE key = 'binding'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            match found {
                Some(found) if found != expected => {
                    return Err(StoreError::Binding { found, expected });
                }
                Some(_) => {}
                None => {
                    inner
                        .conn
                        .execute(
                            "INSERT INTO meta (key, value) VALUES ('binding', ?1)",
                            params![expected],
                        )
                        .map_err(unavailable)?;
                }
            }
            // One process owns the file: every key in flight was in flight at a stop.
            inner
                .conn
                .execute(
                    "UPDATE idempotency SET state = ?1 WHERE state = ?2",
                    params![INTERRUPTED, IN_FLIGHT],
                )
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<Outcome>, StoreError> {
        self.with(move |inner| commit_batch(inner, ops)).await
    }

    async fn channels(&self) -> Result<Vec<StoredChannel>, StoreError> {
        self.with(|inner| Ok(inner.rows.iter().map(|(id, r)| r.stored(*id)).collect()))
            .await
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<StoredChannel>, StoreError> {
        self.with(move |inner| Ok(inner.rows.get(&id).map(|r| r.stored(id))))
            .await
    }

    async fn claimable(&self) -> Result<Vec<StoredChannel>, StoreError> {
        self.with(|inner| {
            Ok(inner
                .rows
                .iter()
                .map(|(id, r)| r.stored(*id))
                .filter(|c| c.unclaimed() > 0 && c.chain.as_ref().is_some_and(|c| c.open))
                .collect())
        })
        .await
    }

    async fn open_claims(&self) -> Result<Vec<ClaimRecord>, StoreError> {
        self.with(|inner| {
            let mut stmt = inner
                .conn
                .prepare("SELECT id, vouchers, created_at FROM claims WHERE state = 'pending' ORDER BY id")
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
                })
                .map_err(unavailable)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, vouchers, at) = row.map_err(unavailable)?;
                out.push(ClaimRecord {
                    id: id as u64,
                    vouchers: parse_vouchers_json(&vouchers)?,
                    at_ms: at as u64,
                });
            }
            Ok(out)
        })
        .await
    }
}
