//! The event follower: keeps the channel cache and the service terms current from
//! finalized chain events, and the chain clock synchronized. This is the only module
//! that reads contract events (escrow's `Claimed` — one per claiming call, listing the
//! channels it paid — is read here).
//!
//! A gap in the stream (the subscription ended or failed) marks every cached channel
//! for a re-read before its next voucher, since events may have been missed.

use crate::channel::OnChain;
use crate::channels::{ChainClient, ChannelCache};
use crate::clock::ChainClock;
use crate::gate::Gate;
use crate::store::Op;
use crate::writer::Writer;
use futures::StreamExt as _;
use gb_chain::{BlockEvents, Chain as _};
use gb_client::events::{EscrowEvent, RegistryEvent};
use gb_client::{decode_event, SuiteEvent};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often the chain clock is sampled at most (on a block).
const CLOCK_SYNC: Duration = Duration::from_secs(5);

/// What the follower updates.
pub struct Follower {
    pub client: Arc<ChainClient>,
    pub cache: Arc<ChannelCache>,
    pub writer: Writer,
    pub gate: Arc<Gate>,
    pub clock: Arc<ChainClock>,
    /// True while subscribed (for `/health`).
    pub following: Arc<AtomicBool>,
    /// Wakes the claimer (a channel's facts changed in a way that may make it due).
    pub blocks: watch::Sender<u64>,
}

impl Follower {
    /// Follows until `stop` turns true; resubscribes with backoff after a failure.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(200);
        let mut first = true;
        loop {
            if *stop.borrow() {
                return;
            }
            let stream = self.client.chain().subscribe().await;
            match stream {
                Err(e) => {
                    tracing::warn!(error = %e, "cannot subscribe to chain events; retrying");
                }
                Ok(mut blocks) => {
                    if !first {
                        // Events may have been missed while not subscribed.
                        self.cache.mark_all_stale();
                    }
                    first = false;
                    self.following.store(true, Ordering::Relaxed);
                    self.sync_clock().await;
                    backoff = Duration::from_millis(200);
                    let mut last_sync = Instant::now();
                    loop {
                        tokio::select! {
                            _ = stop.changed() => {
                                self.following.store(false, Ordering::Relaxed);
                                return;
                            }
                            next = blocks.next() => match next {
                                Some(Ok(b)) => {
                                    self.apply(&b).await;
                                    if last_sync.elapsed() >= CLOCK_SYNC {
                                        self.sync_clock().await;
                                        last_sync = Instant::now();
                                    }
                                    let _ = self.blocks.send(b.block.number);
                                }
                                Some(Err(e)) => {
                                    tracing::warn!(error = %e, "chain event stream failed; resubscribing");
                                    break;
                                }
                                None => {
                                    tracing::warn!("chain event stream ended; resubscribing");
                                    break;
                                }
                            }
                        }
                    }
                    self.following.store(false, Ordering::Relaxed);
                }
            }
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }

    /// Samples the chain's clock.
    pub async fn sync_clock(&self) {
        match self.client.chain().now().await {
            Ok(now) => self.clock.sync(now),
            Err(e) => tracing::warn!(error = %e, "cannot read the chain's clock"),
        }
    }

    /// Applies one finalized block's events.
    pub async fn apply(&self, block: &BlockEvents) {
        for e in &block.events {
            match decode_event(self.client.deployment(), e) {
                Some(SuiteEvent::Escrow(ev)) => self.escrow_event(ev),
                Some(SuiteEvent::Registry(ev)) => self.registry_event(ev).await,
                _ => {}
            }
        }
    }

    fn record(&self, channel: u64, chain: Option<OnChain>) {
        if let Some(chain) = chain {
            drop(self.writer.send(Op::Channel { channel, chain }, None));
        }
    }

    fn escrow_event(&self, ev: EscrowEvent) {
        let terms = self.gate.terms();
        match ev {
            EscrowEvent::ChannelOpened(o) => {
                let payee = *AsRef::<[u8; 32]>::as_ref(&o.payee);
                if payee == terms.payee && o.service_id == terms.service_id {
                    let chain = OnChain {
                        client: *AsRef::<[u8; 32]>::as_ref(&o.client),
                        payee,
                        service_id: o.service_id,
                        signer: o.signer,
                        funds: o.funds,
                        claimed: 0,
                        expiry: o.expiry,
                        open: true,
                    };
                    self.cache.insert_opened(o.channel_id, chain.clone());
                    self.record(o.channel_id, Some(chain));
                }
            }
            EscrowEvent::FundsAdded(f) => {
                let c = self
                    .cache
                    .update(f.channel_id, |c| c.funds = c.funds.max(f.funds));
                self.record(f.channel_id, c);
            }
            EscrowEvent::ChannelExtended(x) => {
                let c = self
                    .cache
                    .update(x.channel_id, |c| c.expiry = c.expiry.max(x.expiry));
                self.record(x.channel_id, c);
            }
            // One event per claiming call, listing every channel it paid (its new
            // cumulative total in `claimed`).
            EscrowEvent::Claimed(c) => {
                for claim in &c.claims {
                    let chain = self.cache.update(claim.channel_id, |ch| {
                        ch.claimed = ch.claimed.max(claim.claimed)
                    });
                    self.record(claim.channel_id, chain);
                }
            }
            EscrowEvent::ChannelClosed(c) => {
                let chain = self.cache.update(c.channel_id, |ch| {
                    ch.open = false;
                    ch.claimed = ch.claimed.max(c.claimed);
                });
                self.record(c.channel_id, chain);
            }
            EscrowEvent::ChannelRefunded(c) => {
                let chain = self.cache.update(c.channel_id, |ch| {
                    ch.open = false;
                    ch.claimed = ch.claimed.max(c.claimed);
                });
                self.record(c.channel_id, chain);
            }
            _ => {}
        }
    }

    async fn registry_event(&self, ev: RegistryEvent) {
        let service = match &ev {
            RegistryEvent::ServiceUpdated(u) => u.service_id,
            _ => return,
        };
        let mut terms = (*self.gate.terms()).clone();
        if service != terms.service_id {
            return;
        }
        if let RegistryEvent::ServiceUpdated(u) = ev {
            let payee = *AsRef::<[u8; 32]>::as_ref(&u.payee);
            if payee != terms.payee || u.price != terms.price {
                tracing::info!(price = u.price, payee = %gb_protocol::Account(payee), "the registry changed the service's terms");
            }
            terms.payee = payee;
            terms.price = u.price;
            terms.min_deposit = terms.min_deposit.max(u.price);
            self.gate.set_terms(terms);
        }
    }
}
