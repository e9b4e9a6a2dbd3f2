//! The background claimer: batch-claims the best voucher of every due channel with
//! escrow's `claim_batch`, signed by the payee's key, always before expiry.
//!
//! A channel is due when its unclaimed value (`accepted − claimed`) reaches
//! `value_threshold`, its oldest unclaimed voucher is `max_age` old, it expires within
//! `expiry_margin`, or all channels together hold `risk_cap` unclaimed (then the
//! largest are claimed first). Due channels are claimed soonest-expiring first, in
//! batches of at most `max_batch` that fit `max_ref_time` by the dry run's weight
//! (a batch that does not fit is halved). Each batch:
//!
//! 1. dry run (vouchers escrow would refuse are left out and their channels re-read);
//! 2. the claim intent (channels, amounts) is made durable;
//! 3. submitted and waited for; the per-voucher outcomes and the chain's claimed totals
//!    are recorded (the intent is marked done or failed).
//!
//! At start, intents still pending (a crash between 2 and 3) are reconciled: the
//! channels are read from the chain and their claimed totals recorded.

use crate::channel::OnChain;
use crate::channels::{ChainClient, ChannelCache};
use crate::clock::ChainClock;
use crate::config::ClaimsConfig;
use crate::metrics::Metrics;
use crate::store::{Op, Outcome, Store, StoreError, StoredChannel};
use crate::writer::Writer;
use gb_chain::AccountKey;
use gb_client::errors::EscrowError;
use gb_interfaces::{Balance, ChannelId, Voucher};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Why a channel was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    Value,
    Age,
    Expiry,
    RiskCap,
    /// Asked for (`gb-gateway claim --all`, shutdown drain).
    Forced,
}

/// One channel's part of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claimed {
    pub channel: ChannelId,
    pub amount: String,
    /// `ok`, or escrow's reason for skipping it.
    pub outcome: String,
}

/// What one round of claiming did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClaimReport {
    /// Due channels and why.
    pub due: Vec<(ChannelId, Trigger)>,
    /// Transactions sent and their vouchers.
    pub batches: Vec<Vec<Claimed>>,
    /// Newly claimed value (gross, plancks).
    pub claimed_value: String,
    /// Errors (a batch that failed is retried at the next round).
    pub errors: Vec<String>,
    /// True for a dry run: nothing was submitted.
    pub dry_run: bool,
}

/// A request to claim now.
pub struct ClaimNow {
    pub all: bool,
    pub dry_run: bool,
    pub reply: oneshot::Sender<ClaimReport>,
}

/// The claimer.
pub struct Claimer {
    pub client: Arc<ChainClient>,
    pub store: Arc<dyn Store>,
    pub writer: Writer,
    pub cache: Arc<ChannelCache>,
    pub clock: Arc<ChainClock>,
    pub metrics: Metrics,
    pub config: ClaimsConfig,
    /// The payee's key.
    pub key: AccountKey,
}

/// Which of `channels` are due at `now`, soonest expiry first.
pub fn due(
    channels: &[StoredChannel],
    cfg: &ClaimsConfig,
    now_ms: u64,
    all: bool,
) -> Vec<(StoredChannel, Trigger)> {
    let expiry_margin = cfg.expiry_margin_secs.saturating_mul(1000);
    let max_age = cfg.max_age_secs.saturating_mul(1000);
    let mut out: Vec<(StoredChannel, Trigger)> = Vec::new();
    let mut rest: Vec<StoredChannel> = Vec::new();
    for c in channels {
        let Some(chain) = &c.chain else { continue };
        let unclaimed = c.unclaimed();
        if unclaimed == 0 || !chain.open || c.signature.is_none() {
            continue;
        }
        let trigger = if all {
            Some(Trigger::Forced)
        } else if chain.expiry <= now_ms.saturating_add(expiry_margin) {
            Some(Trigger::Expiry)
        } else if unclaimed >= cfg.value_threshold {
            Some(Trigger::Value)
        } else if c
            .unclaimed_since
            .is_some_and(|t| now_ms.saturating_sub(t) >= max_age)
        {
            Some(Trigger::Age)
        } else {
            None
        };
        match trigger {
            Some(t) => out.push((c.clone(), t)),
            None => rest.push(c.clone()),
        }
    }
    if cfg.risk_cap > 0 {
        // What stays unclaimed once the due channels are claimed.
        let mut exposure: Balance = rest.iter().map(|c| c.unclaimed()).sum();
        rest.sort_by_key(|c| std::cmp::Reverse(c.unclaimed()));
        for c in rest {
            if exposure < cfg.risk_cap {
                break;
            }
            exposure = exposure.saturating_sub(c.unclaimed());
            out.push((c, Trigger::RiskCap));
        }
    }
    out.sort_by_key(|(c, _)| c.chain.as_ref().map_or(u64::MAX, |ch| ch.expiry));
    out
}

impl Claimer {
    /// Reconciles pending intents, then claims every `interval` (and when asked) until
    /// `stop`.
    pub async fn run(self, mut stop: watch::Receiver<bool>, mut asks: mpsc::Receiver<ClaimNow>) {
        if let Err(e) = self.reconcile_pending().await {
            tracing::warn!(error = %e, "reconciling claims left pending at the last stop");
        }
        let mut tick = tokio::time::interval(Duration::from_secs(self.config.interval_secs));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = tick.tick() => {
                    let r = self.round(false, false).await;
                    for e in &r.errors {
                        tracing::warn!(error = %e, "claim round");
                    }
                }
                Some(ask) = asks.recv() => {
                    let r = self.round(ask.all, ask.dry_run).await;
                    let _ = ask.reply.send(r);
                }
            }
        }
    }

    /// Records the chain's claimed totals of the channels of intents left pending.
    pub async fn reconcile_pending(&self) -> Result<usize, StoreError> {
        let pending = self.store.open_claims().await?;
        let n = pending.len();
        for claim in pending {
            let mut claimed = Vec::new();
            for (channel, _) in &claim.vouchers {
                if let Some(c) = self.read(*channel).await {
                    claimed.push((*channel, c.claimed));
                    drop(self.writer.send(
                        Op::Channel {
                            channel: *channel,
                            chain: c,
                        },
                        None,
                    ));
                }
            }
            self.writer
                .write(Op::ClaimDone {
                    claim: claim.id,
                    claimed,
                    ok: true,
                    note: "reconciled from the chain after a restart".into(),
                    at_ms: self.clock.now_ms(),
                })
                .await?;
            tracing::info!(
                claim = claim.id,
                "reconciled a claim left pending at the last stop"
            );
        }
        Ok(n)
    }

    async fn read(&self, id: ChannelId) -> Option<OnChain> {
        match self.client.query(self.client.escrow().channel(id)).await {
            Ok(Some(c)) => Some(OnChain::from(&c)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(channel = id, error = %e, "cannot read a channel");
                None
            }
        }
    }

    /// One round: claims what is due (everything unclaimed if `all`).
    pub async fn round(&self, all: bool, dry_run: bool) -> ClaimReport {
        let mut report = ClaimReport {
            dry_run,
            claimed_value: "0".into(),
            ..ClaimReport::default()
        };
        let channels = match self.store.claimable().await {
            Ok(c) => c,
            Err(e) => {
                report
                    .errors
                    .push(format!("reading claimable channels: {e}"));
                return report;
            }
        };
        let unclaimed: Balance = channels.iter().map(|c| c.unclaimed()).sum();
        self.metrics.unclaimed_value.set(unclaimed as f64);
        let due = due(&channels, &self.config, self.clock.now_ms(), all);
        report.due = due.iter().map(|(c, t)| (c.id, *t)).collect();
        let mut queue: Vec<Voucher> = due
            .iter()
            .filter_map(|(c, _)| Some(Voucher::new(c.id, c.ledger.accepted, c.signature?)))
            .collect();
        let mut total: Balance = 0;
        let mut size = self.config.max_batch;
        while !queue.is_empty() {
            let take = size.min(queue.len());
            let batch: Vec<Voucher> = queue[..take].to_vec();
            match self.claim_batch(batch, dry_run, &mut report).await {
                Ok(BatchResult::Claimed(value)) => {
                    total = total.saturating_add(value);
                    queue.drain(..take);
                }
                Ok(BatchResult::TooHeavy) if take > 1 => size = take / 2,
                Ok(BatchResult::TooHeavy) => {
                    report.errors.push(format!(
                        "claiming channel {} alone exceeds max_ref_time",
                        queue[0].channel_id
                    ));
                    queue.drain(..1);
                }
                Err(e) => {
                    report.errors.push(e);
                    queue.drain(..take);
                }
            }
        }
        report.claimed_value = total.to_string();
        report
    }

    async fn claim_batch(
        &self,
        mut batch: Vec<Voucher>,
        dry_run: bool,
        report: &mut ClaimReport,
    ) -> Result<BatchResult, String> {
        let escrow = self.client.escrow();
        let payee = self.key.account_id();
        let quote = self
            .client
            .dry_run(&payee, escrow.claim_batch(batch.clone()))
            .await
            .map_err(|e| format!("dry run of claim_batch: {e}"))?;
        if quote.cost.ref_time > self.config.max_ref_time {
            return Ok(BatchResult::TooHeavy);
        }
        // Leave out what escrow would refuse, and learn why from the chain.
        let mut refused = Vec::new();
        let mut keep = Vec::new();
        for (v, o) in batch.drain(..).zip(quote.value) {
            match o {
                Ok(_) => keep.push(v),
                Err(e) => refused.push((v, e)),
            }
        }
        self.refresh_refused(&refused).await;
        let mut lines: Vec<Claimed> = refused
            .iter()
            .map(|(v, e)| Claimed {
                channel: v.channel_id,
                amount: v.amount.to_string(),
                outcome: format!("{e:?}"),
            })
            .collect();
        if keep.is_empty() || dry_run {
            lines.extend(keep.iter().map(|v| Claimed {
                channel: v.channel_id,
                amount: v.amount.to_string(),
                outcome: if dry_run {
                    "would claim".into()
                } else {
                    "ok".into()
                },
            }));
            report.batches.push(lines);
            return Ok(BatchResult::Claimed(0));
        }
        let intent = self
            .writer
            .write(Op::ClaimIntent {
                vouchers: keep.iter().map(|v| (v.channel_id, v.amount)).collect(),
                at_ms: self.clock.now_ms(),
            })
            .await
            .map_err(|e| format!("recording the claim intent: {e}"))?;
        let Outcome::Claim(claim) = intent else {
            return Err("unexpected store answer to a claim intent".into());
        };
        self.metrics.claims_sent.inc();
        let sent = self
            .client
            .send(&self.key, escrow.claim_batch(keep.clone()))
            .await;
        let at_ms = self.clock.now_ms();
        match sent {
            Ok(sent) => {
                let mut claimed = Vec::new();
                let mut value: Balance = 0;
                let mut skipped = Vec::new();
                for (v, o) in keep.iter().zip(&sent.value) {
                    match o {
                        Ok(paid) => {
                            value = value.saturating_add(*paid);
                            claimed.push((v.channel_id, v.amount));
                            self.metrics.claimed_vouchers.inc();
                            lines.push(Claimed {
                                channel: v.channel_id,
                                amount: v.amount.to_string(),
                                outcome: "ok".into(),
                            });
                        }
                        Err(e) => {
                            skipped.push((*v, *e));
                            lines.push(Claimed {
                                channel: v.channel_id,
                                amount: v.amount.to_string(),
                                outcome: format!("{e:?}"),
                            });
                        }
                    }
                }
                self.metrics.claimed_value.add(value as f64);
                for (id, total) in &claimed {
                    self.cache
                        .update(*id, |c| c.claimed = c.claimed.max(*total));
                }
                self.writer
                    .write(Op::ClaimDone {
                        claim,
                        claimed,
                        ok: true,
                        note: String::new(),
                        at_ms,
                    })
                    .await
                    .map_err(|e| format!("recording claim {claim}: {e}"))?;
                self.refresh_refused(&skipped).await;
                report.batches.push(lines);
                tracing::info!(claim, vouchers = keep.len(), value, "claimed");
                Ok(BatchResult::Claimed(value))
            }
            Err(e) => {
                self.metrics.claims_failed.inc();
                let note = e.to_string();
                // What happened on chain is read back, whatever the error said.
                let mut claimed = Vec::new();
                for v in &keep {
                    if let Some(c) = self.read(v.channel_id).await {
                        claimed.push((v.channel_id, c.claimed));
                    }
                }
                let _ = self
                    .writer
                    .write(Op::ClaimDone {
                        claim,
                        claimed,
                        ok: false,
                        note: note.clone(),
                        at_ms,
                    })
                    .await;
                Err(format!("claim_batch of {} vouchers: {note}", keep.len()))
            }
        }
    }

    /// Re-reads the channels of refused vouchers and records their facts (closed,
    /// claimed elsewhere…); a bad signature would be a bug: it is logged loudly.
    async fn refresh_refused(&self, refused: &[(Voucher, EscrowError)]) {
        for (v, e) in refused {
            if *e == EscrowError::InvalidSignature {
                tracing::error!(
                    channel = v.channel_id,
                    "escrow refused a stored voucher's signature"
                );
            }
            if let Some(c) = self.read(v.channel_id).await {
                self.cache.update(v.channel_id, |x| *x = c.clone());
                drop(self.writer.send(
                    Op::Channel {
                        channel: v.channel_id,
                        chain: c,
                    },
                    None,
                ));
            }
        }
    }
}

enum BatchResult {
    Claimed(Balance),
    TooHeavy,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::LedgerValues;
    use gb_interfaces::{Signer, VoucherSignature};

    fn channel(
        id: u64,
        accepted: u128,
        claimed: u128,
        expiry: u64,
        since: Option<u64>,
    ) -> StoredChannel {
        StoredChannel {
            id,
            ledger: LedgerValues {
                accepted,
                spent: accepted,
            },
            signature: Some(VoucherSignature::Sr25519([0; 64])),
            chain: Some(OnChain {
                client: [1; 32],
                payee: [2; 32],
                service_id: 1,
                signer: Signer::Sr25519([3; 32]),
                funds: 1_000,
                claimed,
                expiry,
                open: true,
            }),
            unclaimed_since: since,
        }
    }

    fn cfg() -> ClaimsConfig {
        ClaimsConfig {
            value_threshold: 100,
            max_age_secs: 10,
            expiry_margin_secs: 100,
            risk_cap: 0,
            ..ClaimsConfig::default()
        }
    }

    const NOW: u64 = 1_000_000;

    #[test]
    fn each_trigger_makes_a_channel_due_and_nothing_else_does() {
        let chans = [
            channel(1, 100, 0, NOW + 1_000_000, Some(NOW)), // value
            channel(2, 10, 0, NOW + 1_000_000, Some(NOW - 10_000)), // age
            channel(3, 10, 0, NOW + 100_000, Some(NOW)),    // expiry within margin
            channel(4, 10, 0, NOW + 1_000_000, Some(NOW)),  // nothing
            channel(5, 10, 10, NOW + 1, Some(NOW)),         // nothing unclaimed
        ];
        let d = due(&chans, &cfg(), NOW, false);
        let ids: Vec<(u64, Trigger)> = d.iter().map(|(c, t)| (c.id, *t)).collect();
        assert_eq!(
            ids,
            vec![(3, Trigger::Expiry), (1, Trigger::Value), (2, Trigger::Age)]
        );
    }

    #[test]
    fn all_claims_every_unclaimed_channel() {
        let chans = [
            channel(4, 10, 0, NOW + 1_000_000, Some(NOW)),
            channel(5, 10, 10, NOW, None),
        ];
        let d = due(&chans, &cfg(), NOW, true);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1, Trigger::Forced);
    }

    #[test]
    fn over_the_risk_cap_the_largest_unclaimed_are_claimed_until_under_it() {
        let c = ClaimsConfig {
            risk_cap: 50,
            ..cfg()
        };
        let chans = [
            channel(1, 30, 0, NOW + 1_000_000, Some(NOW)),
            channel(2, 40, 0, NOW + 1_000_000, Some(NOW)),
            channel(3, 5, 0, NOW + 1_000_000, Some(NOW)),
        ];
        let d = due(&chans, &c, NOW, false);
        let mut ids: Vec<u64> = d.iter().map(|(c, _)| c.id).collect();
        ids.sort();
        // 75 unclaimed: claiming 40 leaves 35 < 50.
        assert_eq!(ids, vec![2]);
        assert!(d.iter().all(|(_, t)| *t == Trigger::RiskCap));
    }

    #[test]
    fn a_closed_channel_is_never_due() {
        let mut c = channel(1, 1_000, 0, NOW, Some(0));
        c.chain.as_mut().unwrap().open = false;
        assert!(due(&[c], &cfg(), NOW, true).is_empty());
    }
}
