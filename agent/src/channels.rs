//! The channel manager: which channel pays for a service (reuse one with funds and
//! time left; top up or extend one that lacks them; else open one sized by the
//! policy), opening with the intent recorded first, syncing with the chain, and
//! refunds of expired channels. Channel opening is in one place
//! ([`Agent::open_channel`]).

use crate::agent::{lock, signer_of, Agent};
use crate::discover::ServiceInfo;
use crate::error::AgentError;
use crate::ledger::ChannelBooks;
use crate::store::{ChannelRecord, PendingOpen};
use gb_chain::{Balance, Timestamp};
use gb_client::{chain_account, Channel, ChannelState};
use gb_interfaces::ChannelId;
use serde::Serialize;

/// A channel as `gb channels` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChannelView {
    pub channel_id: ChannelId,
    pub service_id: u64,
    pub payee: gb_chain::AccountId,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub funds: Balance,
    /// Committed to calls: the highest voucher signed (or the ceiling after a restart).
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub signed: Balance,
    /// What the gateway acknowledged.
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub acked: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub available: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub claimed: Balance,
    pub expiry: Timestamp,
    pub open: bool,
    pub rated: bool,
}

/// A refunded channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refunded {
    pub channel_id: ChannelId,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub amount: Balance,
}

impl Agent {
    /// The agent's channels as its store knows them.
    pub fn channels(&self) -> Vec<ChannelView> {
        let st = lock(&self.state);
        let mut v: Vec<ChannelView> = st
            .records
            .values()
            .map(|r| {
                let b = st.books.get(&r.channel_id);
                ChannelView {
                    channel_id: r.channel_id,
                    service_id: r.service_id,
                    payee: gb_chain::AccountId(r.payee),
                    funds: r.funds,
                    signed: b.map_or(r.ceiling, |b| b.signed),
                    acked: b.map_or(r.acked, |b| b.acked),
                    available: b.map_or(0, ChannelBooks::available),
                    claimed: r.claimed,
                    expiry: r.expiry,
                    open: r.open,
                    rated: r.rated,
                }
            })
            .collect();
        v.sort_by_key(|c| c.channel_id);
        v
    }

    fn margin(&self, gateway_margin: Timestamp) -> Timestamp {
        self.config.channels.min_remaining_ms.max(gateway_margin)
    }

    /// The channel that pays the next call of `service`: an open channel to its
    /// current payee with at least one call's funds available and time left; else one
    /// that is topped up or extended; else a new one (sized by the policy). Chain
    /// transactions are made here, one at a time.
    pub async fn channel_for(
        &self,
        service: &ServiceInfo,
        gateway_margin: Timestamp,
    ) -> Result<ChannelId, AgentError> {
        if let Some(id) = self.usable_channel(service, gateway_margin, self.now().await?) {
            return Ok(id);
        }
        let _serial = self.channel_ops.lock().await;
        let now = self.now().await?;
        // Another task may have fixed it meanwhile.
        if let Some(id) = self.usable_channel(service, gateway_margin, now) {
            return Ok(id);
        }
        let margin = self.margin(gateway_margin);
        let candidate = {
            let st = lock(&self.state);
            st.records
                .values()
                .filter(|r| r.open && r.service_id == service.id && r.payee == service.payee.0)
                .max_by_key(|r| r.channel_id)
                .map(|r| {
                    (
                        r.channel_id,
                        r.expiry,
                        st.books
                            .get(&r.channel_id)
                            .map_or(0, ChannelBooks::available),
                    )
                })
        };
        let size = service
            .price
            .saturating_mul(u128::from(self.config.channels.calls_per_channel.max(1)));
        match candidate {
            Some((id, expiry, available)) => {
                if expiry < now.saturating_add(margin) {
                    self.extend(id, now.saturating_add(self.config.channels.duration_ms))
                        .await?;
                }
                if available < service.price {
                    self.top_up(id, size).await?;
                }
                Ok(id)
            }
            None => {
                self.open_channel(
                    service,
                    size,
                    now.saturating_add(self.config.channels.duration_ms),
                )
                .await
            }
        }
    }

    fn usable_channel(
        &self,
        service: &ServiceInfo,
        gateway_margin: Timestamp,
        now: Timestamp,
    ) -> Option<ChannelId> {
        let margin = self.margin(gateway_margin);
        let st = lock(&self.state);
        st.records
            .values()
            .filter(|r| {
                r.open
                    && r.service_id == service.id
                    && r.payee == service.payee.0
                    && r.expiry >= now.saturating_add(margin)
            })
            .filter_map(|r| {
                st.books
                    .get(&r.channel_id)
                    .map(|b| (r.channel_id, b.available()))
            })
            .filter(|(_, available)| *available >= service.price)
            .max_by_key(|(id, available)| (*available, *id))
            .map(|(id, _)| id)
    }

    /// Opens a channel of `funds` to `service` (deposit and open in one call), expiring
    /// at `expiry` (ms); the intent is on disk before the transaction is submitted, so
    /// a crash in between is recovered by [`Self::sync_channels`]. The one place
    /// channels are opened.
    pub async fn open_channel(
        &self,
        service: &ServiceInfo,
        funds: Balance,
        expiry: Timestamp,
    ) -> Result<ChannelId, AgentError> {
        let now = self.now().await?;
        let pending = PendingOpen {
            id: rand::random::<i64>().abs(),
            service_id: service.id,
            funds,
            expiry,
            created_ms: now,
        };
        self.store.pending_open(pending.clone()).await?;
        let sent = self
            .client
            .send(
                &self.key,
                // The payee and price the agent chose the service by are pinned:
                // changed in between, the open fails instead of paying someone else.
                self.client.escrow().open_channel_with_terms(
                    service.id,
                    signer_of(&self.vouchers),
                    funds,
                    expiry,
                    &service.payee,
                    service.price,
                ),
            )
            .await;
        let id = match sent {
            Ok(s) => s.value,
            Err(e) => {
                // Refused by the contract: nothing happened. Any other failure: the
                // intent stays, and the next start syncs with the chain.
                if e.contract_error().is_some() {
                    self.store.pending_done(pending.id).await?;
                }
                return Err(e.into());
            }
        };
        let record = ChannelRecord {
            channel_id: id,
            service_id: service.id,
            payee: service.payee.0,
            funds,
            expiry,
            claimed: 0,
            open: true,
            ceiling: 0,
            acked: 0,
            spent: 0,
            recorded_spend: 0,
            rated: false,
        };
        self.store.upsert_channel(record.clone()).await?;
        self.store.pending_done(pending.id).await?;
        let mut st = lock(&self.state);
        st.books
            .insert(id, ChannelBooks::restored(id, funds, 0, 0, 0));
        st.records.insert(id, record);
        Ok(id)
    }

    /// Adds `amount` to channel `id` (deposit, then `add_funds`).
    pub async fn top_up(&self, id: ChannelId, amount: Balance) -> Result<(), AgentError> {
        self.client
            .send(&self.key, self.client.escrow().deposit(amount))
            .await?;
        self.client
            .send(&self.key, self.client.escrow().add_funds(id, amount))
            .await?;
        self.refresh_channel(id).await
    }

    /// Moves channel `id`'s expiry to `expiry` (ms).
    pub async fn extend(&self, id: ChannelId, expiry: Timestamp) -> Result<(), AgentError> {
        self.client
            .send(&self.key, self.client.escrow().extend(id, expiry))
            .await?;
        self.refresh_channel(id).await
    }

    /// Reads channel `id` from the chain into the store and the books, and returns its
    /// facts (`None` if escrow has no such channel).
    pub(crate) async fn chain_channel(
        &self,
        id: ChannelId,
    ) -> Result<Option<crate::pay::ChainFacts>, AgentError> {
        let Some(ch) = self.client.query(self.client.escrow().channel(id)).await? else {
            return Ok(None);
        };
        self.adopt(&ch).await?;
        Ok(Some(crate::pay::ChainFacts {
            funds: ch.funds,
            expiry: ch.expiry,
            open: ch.state == ChannelState::Open,
        }))
    }

    /// Reads channel `id` from the chain into the store and the books.
    pub async fn refresh_channel(&self, id: ChannelId) -> Result<(), AgentError> {
        self.chain_channel(id)
            .await?
            .map(|_| ())
            .ok_or(AgentError::NoChannel(id))
    }

    async fn adopt(&self, ch: &Channel) -> Result<(), AgentError> {
        let existing = lock(&self.state).records.get(&ch.id).cloned();
        let record = ChannelRecord {
            channel_id: ch.id,
            service_id: ch.service_id,
            payee: chain_account(&ch.payee).0,
            funds: ch.funds,
            expiry: ch.expiry,
            claimed: ch.claimed,
            open: ch.state == ChannelState::Open,
            // A channel this store never knew: nothing below what was claimed can
            // have been signed; the gateway's challenge tells the rest.
            ceiling: existing
                .as_ref()
                .map_or(ch.claimed, |e| e.ceiling.max(ch.claimed)),
            acked: existing.as_ref().map_or(ch.claimed, |e| e.acked),
            spent: existing.as_ref().map_or(ch.claimed, |e| e.spent),
            recorded_spend: existing.as_ref().map_or(0, |e| e.recorded_spend),
            rated: existing.as_ref().is_some_and(|e| e.rated),
        };
        self.store.upsert_channel(record.clone()).await?;
        let mut st = lock(&self.state);
        st.books
            .entry(ch.id)
            .and_modify(|b| {
                b.set_funds(ch.funds);
                b.signed = b.signed.max(ch.claimed);
            })
            .or_insert_with(|| {
                ChannelBooks::restored(ch.id, ch.funds, record.ceiling, record.acked, record.spent)
            });
        st.records.insert(ch.id, record);
        Ok(())
    }

    /// Reads every channel of the agent's account from escrow (all pages) into the
    /// store: adopts channels the store does not know (an opening a crash
    /// interrupted, a lost store) and updates funds, expiry, claims and state. Only
    /// channels signed by the agent's voucher key are adopted (others cannot be paid
    /// from here).
    pub async fn sync_channels(&self) -> Result<usize, AgentError> {
        let me = self.account();
        let signer = signer_of(&self.vouchers);
        let mut cursor = 0;
        let mut n = 0;
        loop {
            let page = self
                .client
                .query(self.client.escrow().channels_of_client(&me, cursor, 0))
                .await?;
            for ch in page.channels.iter().filter(|c| c.signer == signer) {
                self.adopt(ch).await?;
                n += 1;
            }
            match page.next_cursor {
                Some(next) if next > cursor => cursor = next,
                _ => break,
            }
        }
        Ok(n)
    }

    /// Takes back what is left in every expired open channel of the agent (to its
    /// escrow balance; `withdraw` sends it to the account). Reads the chain first.
    pub async fn refund_expired(&self) -> Result<Vec<Refunded>, AgentError> {
        self.sync_channels().await?;
        let now = self.now().await?;
        let due: Vec<ChannelId> = lock(&self.state)
            .records
            .values()
            .filter(|r| r.open && r.expiry <= now && r.funds > r.claimed)
            .map(|r| r.channel_id)
            .collect();
        let mut out = Vec::new();
        for id in due {
            let sent = self
                .client
                .send(&self.key, self.client.escrow().refund(id))
                .await?;
            self.refresh_channel(id).await?;
            out.push(Refunded {
                channel_id: id,
                amount: sent.value,
            });
        }
        Ok(out)
    }

    /// Sends `amount` of the agent's escrow balance to its account.
    pub async fn withdraw(&self, amount: Balance) -> Result<(), AgentError> {
        self.client
            .send(&self.key, self.client.escrow().withdraw(amount))
            .await?;
        Ok(())
    }
}
