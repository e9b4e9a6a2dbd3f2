//! The one group-commit writer: every durable write goes through it. While a commit
//! (one fsync) runs, new writes queue up; the next commit takes all of them (up to
//! `max_batch`). Outcomes are applied to the in-memory ledger in commit order before
//! the callers are answered, so the cache never runs ahead of, or behind, the store in
//! a way a later check could notice.
//!
//! A failed commit fails every write of its batch (the store applied none of them):
//! their callers answer `503`, nothing is forwarded, and the channels involved reload
//! their ledger from the store before the next voucher.

use crate::channel::ChannelEntry;
use crate::metrics::Metrics;
use crate::store::{Op, Outcome, Store, StoreError};
use gb_interfaces::Balance;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// The answer to one write.
pub type Reply = oneshot::Receiver<Result<Outcome, StoreError>>;

/// A write and what to update in memory once it is durable.
struct Job {
    op: Op,
    /// The channel whose ledger the write changes, and the price it reserved.
    ledger: Option<(Arc<ChannelEntry>, Balance)>,
    reply: oneshot::Sender<Result<Outcome, StoreError>>,
}

// One `Write` per paid call: boxing the job would allocate on every voucher, while
// `Stop` is sent once.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Write(Job),
    /// Commit what came before, then stop.
    Stop(oneshot::Sender<()>),
}

/// The handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Msg>,
    /// False while the last commit failed.
    ok: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the writer on `store`, committing at most `max_batch` writes at once.
    pub fn start(store: Arc<dyn Store>, max_batch: usize, metrics: Metrics) -> Writer {
        let (tx, rx) = mpsc::unbounded_channel();
        let ok = Arc::new(AtomicBool::new(true));
        tokio::spawn(run(store, rx, max_batch.max(1), metrics, ok.clone()));
        Writer { tx, ok }
    }

    /// False while the last commit failed (for `/health`).
    pub fn healthy(&self) -> bool {
        self.ok.load(Ordering::Relaxed)
    }

    /// Queues `op`; the reply comes once it is durable (or failed). `ledger`: the
    /// channel whose in-memory ledger to settle, with the price the write reserved.
    /// Not async: a caller may queue while holding the channel's lock, so that the
    /// store sees the charges in the order they were checked.
    pub fn send(&self, op: Op, ledger: Option<(Arc<ChannelEntry>, Balance)>) -> Reply {
        let (reply, rx) = oneshot::channel();
        let job = Job { op, ledger, reply };
        if let Err(mpsc::error::SendError(Msg::Write(job))) = self.tx.send(Msg::Write(job)) {
            if let Some((entry, price)) = &job.ledger {
                entry.lock().fail(*price);
            }
            let _ = job.reply.send(Err(StoreError::Closed));
        }
        rx
    }

    /// [`Writer::send`] and wait.
    pub async fn write(&self, op: Op) -> Result<Outcome, StoreError> {
        self.send(op, None).await.unwrap_or(Err(StoreError::Closed))
    }

    /// Commits everything queued so far, then stops the writer (graceful shutdown).
    pub async fn stop(&self) {
        let (done, rx) = oneshot::channel();
        if self.tx.send(Msg::Stop(done)).is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    max_batch: usize,
    metrics: Metrics,
    ok: Arc<AtomicBool>,
) {
    let mut msgs = Vec::with_capacity(max_batch);
    loop {
        if rx.recv_many(&mut msgs, max_batch).await == 0 {
            return;
        }
        let mut jobs = Vec::with_capacity(msgs.len());
        let mut stop = None;
        for m in msgs.drain(..) {
            match m {
                Msg::Write(j) => jobs.push(j),
                // Writes queued after a stop are not taken (recv_many keeps order, and
                // nothing is sent after stop in a graceful shutdown).
                Msg::Stop(done) => {
                    stop = Some(done);
                    break;
                }
            }
        }
        if !jobs.is_empty() {
            let committed = commit(&*store, jobs, &metrics).await;
            ok.store(committed, Ordering::Relaxed);
        }
        if let Some(done) = stop {
            let _ = done.send(());
            return;
        }
    }
}

/// Commits one batch; false if it failed.
async fn commit(store: &dyn Store, jobs: Vec<Job>, metrics: &Metrics) -> bool {
    let mut ops = Vec::with_capacity(jobs.len());
    let mut rest = Vec::with_capacity(jobs.len());
    for j in jobs {
        ops.push(j.op);
        rest.push((j.ledger, j.reply));
    }
    let n = ops.len();
    let started = Instant::now();
    let result = store.commit(ops).await;
    metrics.store_commit(started.elapsed(), n, result.is_ok());
    match result {
        Ok(outcomes) if outcomes.len() == n => {
            for ((ledger, reply), outcome) in rest.into_iter().zip(outcomes) {
                if let Some((entry, price)) = ledger {
                    let mut s = entry.lock();
                    match &outcome {
                        // Charged or not, the reservation is settled by the store's
                        // values (which include the charge if it was made).
                        Outcome::Charge(_, values) => s.settle(price, *values),
                        Outcome::Refunded(values) => s.settle(price, *values),
                        _ => {}
                    }
                }
                let _ = reply.send(Ok(outcome));
            }
            true
        }
        other => {
            let err = match other {
                Err(e) => e,
                Ok(o) => StoreError::Corrupt(format!("{} outcomes for {n} writes", o.len())),
            };
            tracing::error!(error = %err, writes = n, "store commit failed: answering 503, forwarding nothing");
            for (ledger, reply) in rest {
                if let Some((entry, price)) = ledger {
                    entry.lock().fail(price);
                }
                let _ = reply.send(Err(err.clone()));
            }
            false
        }
    }
}
