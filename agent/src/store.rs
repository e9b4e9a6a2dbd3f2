//! The agent's crash-safe local store (SQLite, WAL, `synchronous=FULL`): its channels,
//! the **ceiling** of each (an upper bound on every voucher amount ever signed for it,
//! written durably *before* a voucher above the old ceiling is signed), the channel
//! openings in flight (written before the transaction is submitted, so that a crash
//! never forgets funds), and the spend log the budget counts.
//!
//! One writer thread owns the connection and commits whatever is queued in one
//! transaction (group commit): [`Store::raise_ceiling`] and the other awaited writes
//! return once their transaction is on disk; spend records ride along with the next
//! commit (a crash may lose the last few, which the budget then counts conservatively
//! from the ceilings, see `Budget::restore`).
//!
//! Amounts are stored as 16-byte big-endian blobs, so that SQLite compares them as
//! numbers (`max(ceiling, ?)` keeps a ceiling monotonic in SQL itself).

use gb_chain::{Balance, Timestamp};
use gb_interfaces::{ChannelId, ServiceId};
use rusqlite::{params, Connection, OptionalExtension as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Why the store failed. A store error stops payments (fail closed): nothing is signed
/// without its intent on disk.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local store {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "local store {} belongs to {what} {stored}, not {given}; use another --store path \
         per deployment and account", path.display()
    )]
    Mismatch {
        path: PathBuf,
        what: &'static str,
        stored: String,
        given: String,
    },
    #[error("local store: its writer thread is gone (an earlier write failed: {0})")]
    WriterGone(String),
}

/// A channel as the agent keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelRecord {
    pub channel_id: ChannelId,
    pub service_id: ServiceId,
    pub payee: [u8; 32],
    pub funds: Balance,
    pub expiry: Timestamp,
    pub claimed: Balance,
    pub open: bool,
    /// No voucher above this was ever signed (durable before signing).
    pub ceiling: Balance,
    /// The gateway's accepted cumulative, as last acknowledged.
    pub acked: Balance,
    /// The gateway's spent, as last acknowledged.
    pub spent: Balance,
    /// The spend the local log holds for this channel.
    pub recorded_spend: Balance,
    pub rated: bool,
}

/// A channel opening whose transaction may or may not have landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingOpen {
    pub id: i64,
    pub service_id: ServiceId,
    pub funds: Balance,
    pub expiry: Timestamp,
    pub created_ms: Timestamp,
}

/// One spend record: what a call was charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpendRecord {
    pub ts_ms: Timestamp,
    pub service_id: ServiceId,
    pub channel_id: ChannelId,
    pub amount: Balance,
}

/// Everything the store held when it was opened.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub channels: Vec<ChannelRecord>,
    pub pending_opens: Vec<PendingOpen>,
    pub spend: Vec<SpendRecord>,
}

enum Op {
    Upsert(ChannelRecord),
    RaiseCeiling(ChannelId, Balance),
    Acked(ChannelId, Balance, Balance),
    Spend(SpendRecord),
    Closed(ChannelId, Balance),
    Rated(ChannelId),
    PendingOpen(PendingOpen),
    PendingDone(i64),
    Clean,
    Barrier,
}

struct Job {
    op: Op,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// The store: a handle to its writer thread (cheap to clone).
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    tx: mpsc::Sender<Job>,
}

fn be(v: Balance) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn from_be(b: Vec<u8>) -> Balance {
    let mut a = [0u8; 16];
    let n = b.len().min(16);
    a[16 - n..].copy_from_slice(&b[b.len() - n..]);
    Balance::from_be_bytes(a)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS channels (
    channel_id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL,
    payee BLOB NOT NULL,
    funds BLOB NOT NULL,
    expiry INTEGER NOT NULL,
    claimed BLOB NOT NULL,
    open INTEGER NOT NULL,
    ceiling BLOB NOT NULL,
    acked BLOB NOT NULL,
    spent BLOB NOT NULL,
    recorded_spend BLOB NOT NULL,
    rated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_opens (
    id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL,
    funds BLOB NOT NULL,
    expiry INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS spend (
    ts_ms INTEGER NOT NULL,
    service_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    amount BLOB NOT NULL
);
";

impl Store {
    /// Opens (or creates) the store at `path` for the escrow contract `escrow` and the
    /// client account `client` (a store belongs to one of each: refused otherwise),
    /// and returns what it holds.
    pub fn open(
        path: &Path,
        escrow: &[u8; 32],
        client: &[u8; 32],
    ) -> Result<(Store, Snapshot), StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        for (key, given) in [
            ("escrow", hex::encode(escrow)),
            ("client", hex::encode(client)),
        ] {
            let stored: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(sql)?;
            match stored {
                None => {
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                        [key, &given],
                    )
                    .map_err(sql)?;
                }
                Some(s) if s != given => {
                    return Err(StoreError::Mismatch {
                        path: path.to_path_buf(),
                        what: if key == "escrow" { "escrow" } else { "client" },
                        stored: format!("0x{s}"),
                        given: format!("0x{given}"),
                    })
                }
                Some(_) => {}
            }
        }
        let snapshot = read_all(&conn).map_err(sql)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let writer_path = path.to_path_buf();
        std::thread::Builder::new()
            .name("gb-agent-store".into())
            .spawn(move || writer(conn, rx, writer_path))
            .map_err(|e| StoreError::WriterGone(e.to_string()))?;
        Ok((
            Store {
                path: path.to_path_buf(),
                tx,
            },
            snapshot,
        ))
    }

    /// Where the store is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(
        &self,
        op: Op,
        done: Option<oneshot::Sender<Result<(), String>>>,
    ) -> Result<(), StoreError> {
        self.tx
            .send(Job { op, done })
            .map_err(|_| StoreError::WriterGone("the writer stopped".into()))
    }

    async fn durable(&self, op: Op) -> Result<(), StoreError> {
        let (done, wait) = oneshot::channel();
        self.send(op, Some(done))?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::WriterGone(e)),
            Err(_) => Err(StoreError::WriterGone("the writer stopped".into())),
        }
    }

    /// Inserts or replaces a channel's chain facts (funds, expiry, claimed, open),
    /// never lowering its ceiling, acked, spent or recorded spend; durable on return.
    pub async fn upsert_channel(&self, c: ChannelRecord) -> Result<(), StoreError> {
        self.durable(Op::Upsert(c)).await
    }

    /// Raises a channel's ceiling to `ceiling` (never lowers it); durable on return.
    /// Call it before signing any voucher above the old ceiling.
    pub async fn raise_ceiling(
        &self,
        channel: ChannelId,
        ceiling: Balance,
    ) -> Result<(), StoreError> {
        self.durable(Op::RaiseCeiling(channel, ceiling)).await
    }

    /// Notes what the gateway acknowledged (committed with the next transaction).
    pub fn note_acked(
        &self,
        channel: ChannelId,
        acked: Balance,
        spent: Balance,
    ) -> Result<(), StoreError> {
        self.send(Op::Acked(channel, acked, spent), None)
    }

    /// Logs a charge (committed with the next transaction).
    pub fn note_spend(&self, r: SpendRecord) -> Result<(), StoreError> {
        self.send(Op::Spend(r), None)
    }

    /// Marks a channel closed with what was claimed; durable on return.
    pub async fn mark_closed(
        &self,
        channel: ChannelId,
        claimed: Balance,
    ) -> Result<(), StoreError> {
        self.durable(Op::Closed(channel, claimed)).await
    }

    /// Marks a channel rated; durable on return.
    pub async fn mark_rated(&self, channel: ChannelId) -> Result<(), StoreError> {
        self.durable(Op::Rated(channel)).await
    }

    /// Records an opening before its transaction is submitted; durable on return.
    pub async fn pending_open(&self, p: PendingOpen) -> Result<(), StoreError> {
        self.durable(Op::PendingOpen(p)).await
    }

    /// Forgets an opening that landed (its channel is upserted) or never happened.
    pub async fn pending_done(&self, id: i64) -> Result<(), StoreError> {
        self.durable(Op::PendingDone(id)).await
    }

    /// Marks the store cleanly closed (see [`Store::open_for`]); durable on return.
    pub async fn mark_clean(&self) -> Result<(), StoreError> {
        self.durable(Op::Clean).await
    }

    /// [`Store::open`], also saying whether the store was closed cleanly last time
    /// ([`Store::mark_clean`]); from now on it counts as not cleanly closed until it
    /// is marked again.
    pub fn open_for(
        path: &Path,
        escrow: &[u8; 32],
        client: &[u8; 32],
    ) -> Result<(Store, Snapshot, bool), StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let clean = {
            let conn = Connection::open(path).map_err(sql)?;
            conn.execute_batch(SCHEMA).map_err(sql)?;
            let v: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = 'clean'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sql)?;
            conn.pragma_update(None, "synchronous", "FULL")
                .map_err(sql)?;
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('clean', '0')",
                [],
            )
            .map_err(sql)?;
            v.as_deref() == Some("1")
        };
        let (store, snapshot) = Store::open(path, escrow, client)?;
        Ok((store, snapshot, clean))
    }

    /// Waits until everything queued so far is on disk.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.durable(Op::Barrier).await
    }
}

fn read_all(conn: &Connection) -> rusqlite::Result<Snapshot> {
    let mut s = Snapshot::default();
    let mut q = conn.prepare(
        "SELECT channel_id, service_id, payee, funds, expiry, claimed, open, ceiling, acked, \
         spent, recorded_spend, rated FROM channels ORDER BY channel_id",
    )?;
    let rows = q.query_map([], |r| {
        let payee: Vec<u8> = r.get(2)?;
        let mut p = [0u8; 32];
        if payee.len() == 32 {
            p.copy_from_slice(&payee);
        }
        Ok(ChannelRecord {
            channel_id: r.get::<_, i64>(0)? as u64,
            service_id: r.get::<_, i64>(1)? as u64,
            payee: p,
            funds: from_be(r.get(3)?),
            expiry: r.get::<_, i64>(4)? as u64,
            claimed: from_be(r.get(5)?),
            open: r.get(6)?,
            ceiling: from_be(r.get(7)?),
            acked: from_be(r.get(8)?),
            spent: from_be(r.get(9)?),
            recorded_spend: from_be(r.get(10)?),
            rated: r.get(11)?,
        })
    })?;
    for row in rows {
        s.channels.push(row?);
    }
    let mut q = conn.prepare(
        "SELECT id, service_id, funds, expiry, created_ms FROM pending_opens ORDER BY id",
    )?;
    let rows = q.query_map([], |r| {
        Ok(PendingOpen {
            id: r.get(0)?,
            service_id: r.get::<_, i64>(1)? as u64,
            funds: from_be(r.get(2)?),
            expiry: r.get::<_, i64>(3)? as u64,
            created_ms: r.get::<_, i64>(4)? as u64,
        })
    })?;
    for row in rows {
        s.pending_opens.push(row?);
    }
    let mut q =
        conn.prepare("SELECT ts_ms, service_id, channel_id, amount FROM spend ORDER BY rowid")?;
    let rows = q.query_map([], |r| {
        Ok(SpendRecord {
            ts_ms: r.get::<_, i64>(0)? as u64,
            service_id: r.get::<_, i64>(1)? as u64,
            channel_id: r.get::<_, i64>(2)? as u64,
            amount: from_be(r.get(3)?),
        })
    })?;
    for row in rows {
        s.spend.push(row?);
    }
    Ok(s)
}

fn apply(conn: &Connection, op: &Op) -> rusqlite::Result<()> {
    match op {
        Op::Upsert(c) => {
            conn.execute(
                "INSERT INTO channels (channel_id, service_id, payee, funds, expiry, claimed, open, \
                 ceiling, acked, spent, recorded_spend, rated) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                 ON CONFLICT(channel_id) DO UPDATE SET funds = excluded.funds, \
                 expiry = excluded.expiry, claimed = max(claimed, excluded.claimed), \
                 open = excluded.open, ceiling = max(ceiling, excluded.ceiling), \
                 acked = max(acked, excluded.acked), \
                 rated = max(rated, excluded.rated)",
                params![
                    c.channel_id as i64,
                    c.service_id as i64,
                    c.payee.to_vec(),
                    be(c.funds),
                    c.expiry as i64,
                    be(c.claimed),
                    c.open,
                    be(c.ceiling),
                    be(c.acked),
                    be(c.spent),
                    be(c.recorded_spend),
                    c.rated,
                ],
            )?;
        }
        Op::RaiseCeiling(id, ceiling) => {
            conn.execute(
                "UPDATE channels SET ceiling = max(ceiling, ?2) WHERE channel_id = ?1",
                params![*id as i64, be(*ceiling)],
            )?;
        }
        Op::Acked(id, acked, spent) => {
            conn.execute(
                "UPDATE channels SET acked = max(acked, ?2), spent = ?3 WHERE channel_id = ?1",
                params![*id as i64, be(*acked), be(*spent)],
            )?;
        }
        Op::Spend(r) => {
            conn.execute(
                "INSERT INTO spend (ts_ms, service_id, channel_id, amount) VALUES (?1, ?2, ?3, ?4)",
                params![
                    r.ts_ms as i64,
                    r.service_id as i64,
                    r.channel_id as i64,
                    be(r.amount)
                ],
            )?;
            let recorded: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT recorded_spend FROM channels WHERE channel_id = ?1",
                    [r.channel_id as i64],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(old) = recorded {
                conn.execute(
                    "UPDATE channels SET recorded_spend = ?2 WHERE channel_id = ?1",
                    params![
                        r.channel_id as i64,
                        be(from_be(old).saturating_add(r.amount))
                    ],
                )?;
            }
        }
        Op::Closed(id, claimed) => {
            conn.execute(
                "UPDATE channels SET open = 0, claimed = max(claimed, ?2) WHERE channel_id = ?1",
                params![*id as i64, be(*claimed)],
            )?;
        }
        Op::Rated(id) => {
            conn.execute(
                "UPDATE channels SET rated = 1 WHERE channel_id = ?1",
                [*id as i64],
            )?;
        }
        Op::PendingOpen(p) => {
            conn.execute(
                "INSERT INTO pending_opens (id, service_id, funds, expiry, created_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    p.id,
                    p.service_id as i64,
                    be(p.funds),
                    p.expiry as i64,
                    p.created_ms as i64
                ],
            )?;
        }
        Op::PendingDone(id) => {
            conn.execute("DELETE FROM pending_opens WHERE id = ?1", [*id])?;
        }
        Op::Clean => {
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('clean', '1')",
                [],
            )?;
        }
        Op::Barrier => {}
    }
    Ok(())
}

/// The writer: takes every queued job, applies them in one transaction, commits (one
/// fsync), then answers the waiting ones. A failed commit fails them all and stops the
/// writer (fail closed: nothing is signed on a store that cannot write).
fn writer(mut conn: Connection, rx: mpsc::Receiver<Job>, path: PathBuf) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < 4096 {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let result = (|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for j in &jobs {
                apply(&tx, &j.op)?;
            }
            tx.commit()
        })();
        let failed = result
            .as_ref()
            .err()
            .map(|e| format!("{}: {e}", path.display()));
        for j in jobs {
            if let Some(done) = j.done {
                let _ = done.send(match &failed {
                    None => Ok(()),
                    Some(e) => Err(e.clone()),
                });
            }
        }
        if let Some(e) = failed {
            tracing::error!("local store write failed, payments stop: {e}");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: ChannelId) -> ChannelRecord {
        ChannelRecord {
            channel_id: id,
            service_id: 3,
            payee: [4; 32],
            funds: 1_000,
            expiry: 99,
            claimed: 0,
            open: true,
            ceiling: 0,
            acked: 0,
            spent: 0,
            recorded_spend: 0,
            rated: false,
        }
    }

    #[tokio::test]
    async fn ceilings_only_rise_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.db");
        let (store, snap) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        assert!(snap.channels.is_empty());
        store.upsert_channel(record(7)).await.unwrap();
        store.raise_ceiling(7, 300).await.unwrap();
        store.raise_ceiling(7, 200).await.unwrap();
        // A later upsert of chain facts keeps the ceiling.
        store.upsert_channel(record(7)).await.unwrap();
        store.note_acked(7, 250, 240).unwrap();
        store
            .note_spend(SpendRecord {
                ts_ms: 5,
                service_id: 3,
                channel_id: 7,
                amount: 10,
            })
            .unwrap();
        store.flush().await.unwrap();
        drop(store);
        let (_store, snap) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        let c = &snap.channels[0];
        assert_eq!(
            (c.ceiling, c.acked, c.spent, c.recorded_spend),
            (300, 250, 240, 10)
        );
        assert_eq!(snap.spend.len(), 1);
    }

    #[tokio::test]
    async fn amounts_above_u64_compare_as_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.db");
        let (store, _) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        store.upsert_channel(record(1)).await.unwrap();
        let big = u128::from(u64::MAX) * 1000;
        store.raise_ceiling(1, big).await.unwrap();
        store.raise_ceiling(1, 9).await.unwrap();
        drop(store);
        let (_, snap) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        assert_eq!(snap.channels[0].ceiling, big);
    }

    #[tokio::test]
    async fn a_store_refuses_another_escrow_or_client() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.db");
        drop(Store::open(&path, &[1; 32], &[2; 32]).unwrap());
        let e = Store::open(&path, &[9; 32], &[2; 32]).err().unwrap();
        assert!(
            matches!(e, StoreError::Mismatch { what: "escrow", .. }),
            "{e}"
        );
        let e = Store::open(&path, &[1; 32], &[9; 32]).err().unwrap();
        assert!(
            matches!(e, StoreError::Mismatch { what: "client", .. }),
            "{e}"
        );
    }

    #[tokio::test]
    async fn pending_opens_stay_until_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.db");
        let (store, _) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        let p = PendingOpen {
            id: 42,
            service_id: 3,
            funds: 500,
            expiry: 10,
            created_ms: 1,
        };
        store.pending_open(p.clone()).await.unwrap();
        drop(store);
        let (store, snap) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        assert_eq!(snap.pending_opens, vec![p]);
        store.pending_done(42).await.unwrap();
        drop(store);
        let (_, snap) = Store::open(&path, &[1; 32], &[2; 32]).unwrap();
        assert!(snap.pending_opens.is_empty());
    }
}

#[cfg(test)]
mod clean_tests {
    use super::*;

    #[tokio::test]
    async fn a_store_is_clean_only_after_mark_clean() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.db");
        let (store, _, clean) = Store::open_for(&path, &[1; 32], &[2; 32]).unwrap();
        assert!(!clean, "a new store");
        store.mark_clean().await.unwrap();
        drop(store);
        let (_store, _, clean) = Store::open_for(&path, &[1; 32], &[2; 32]).unwrap();
        assert!(clean);
        drop(_store);
        let (_, _, clean) = Store::open_for(&path, &[1; 32], &[2; 32]).unwrap();
        assert!(
            !clean,
            "opened and not closed cleanly: a crash, as far as it knows"
        );
    }
}
