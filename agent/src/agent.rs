//! [`Agent`]: the SDK an AI agent (or a person's tool) embeds — discover, pay, call,
//! rate — over a chain, a deployment, the agent's keys and its local store.
//!
//! ```ignore
//! let agent = Agent::new(chain, deployment, key, voucher_key, AgentConfig::new("agent.db")).await?;
//! let (service, _how) = agent.choose("medical").await?;
//! let paid = agent.call(&service, CallRequest::post("/v1/infer", body)).await?;
//! let answer = paid.response.bytes().await?;
//! agent.rate(service.id, Rating::Quality(0.9)).await?;
//! ```
//!
//! The channel manager is in `channels.rs`, the paying HTTP client in `pay.rs`.

use crate::budget::{Budget, SpendReport};
use crate::config::AgentConfig;
use crate::discover::{rank, Choice, Evidence, ServiceInfo};
use crate::error::AgentError;
use crate::ledger::ChannelBooks;
use crate::store::{ChannelRecord, Store};
use gb_chain::{AccountId, AccountKey, Balance, Chain, Timestamp};
use gb_client::{chain_account, Client, Deployment};
use gb_interfaces::{ChannelId, ServiceId, VoucherDomain};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use rand::SeedableRng as _;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the agent keeps in memory, under one short lock (never held across I/O).
pub(crate) struct State {
    pub records: HashMap<ChannelId, ChannelRecord>,
    pub books: HashMap<ChannelId, ChannelBooks>,
    pub budget: Budget,
    /// Services whose gateway's terms were checked against the registry.
    pub verified: HashSet<ServiceId>,
}

/// The buyer's side of the marketplace.
pub struct Agent {
    pub(crate) client: Client<Arc<dyn Chain>>,
    pub(crate) key: AccountKey,
    pub(crate) vouchers: VoucherKey,
    /// What its vouchers sign besides channel and amount (v2): the connected chain's
    /// genesis hash (checked against the deployment file's and escrow's) and escrow.
    pub(crate) domain: VoucherDomain,
    pub(crate) store: Store,
    pub(crate) state: Mutex<State>,
    /// Serializes channel opening, top-ups and extensions (chain transactions).
    pub(crate) channel_ops: tokio::sync::Mutex<()>,
    pub(crate) http: reqwest::Client,
    pub(crate) config: AgentConfig,
    /// The reference price of the value order (the reputation contract's unit).
    pub(crate) unit: Balance,
    rng: Mutex<rand::rngs::StdRng>,
}

/// How to rate a service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rating {
    /// 1..=5 stars.
    Stars(u8),
    /// The client's own quality measure in [0, 1] (e.g. the share of answers that
    /// passed its checks): `1 + round(4 q)` stars.
    Quality(f64),
}

impl Rating {
    /// The stars this rating gives.
    pub fn stars(self) -> u8 {
        match self {
            Rating::Stars(s) => s.clamp(1, 5),
            Rating::Quality(q) => {
                let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
                1 + (4.0 * q).round() as u8
            }
        }
    }
}

/// A submitted rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rated {
    pub service_id: ServiceId,
    pub channel_id: ChannelId,
    pub stars: u8,
}

/// The agent's money, for `gb balance`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Balances {
    pub account: AccountId,
    /// Free native balance.
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub free: Balance,
    /// The internal escrow balance (refunds land here; `withdraw` takes it out).
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub escrow: Balance,
    /// Locked in open channels, not yet committed to calls.
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub available_in_channels: Balance,
    pub spend: SpendReport,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Agent {
    /// An agent of the account `key` (transactions) signing vouchers with `vouchers`,
    /// on `chain` for `deployment`, with its store and policies from `config`. Opens the
    /// store, restores the channels' books (a restart resumes at each channel's durable
    /// ceiling) and the budget's, and adopts channels whose opening a crash
    /// interrupted. Refuses (`WrongChain`) a deployment file or an escrow made for
    /// another chain than `chain`'s genesis hash.
    pub async fn new(
        chain: Arc<dyn Chain>,
        deployment: Deployment,
        key: AccountKey,
        vouchers: VoucherKey,
        config: AgentConfig,
    ) -> Result<Agent, AgentError> {
        let me = key.account_id();
        let genesis = chain.info().genesis().unwrap_or([0; 32]);
        let hex = |g: &[u8; 32]| format!("0x{}", hex::encode(g));
        if deployment.chain.genesis() != Some(genesis) {
            return Err(AgentError::WrongChain {
                what: "the deployment file",
                got: deployment.chain.genesis_hash.clone(),
                chain: hex(&genesis),
            });
        }
        let domain = VoucherDomain::new(genesis, deployment.escrow().0);
        let (store, snapshot, clean) =
            Store::open_for(&config.store_path, &deployment.escrow().0, &me.0)?;
        let client = Client::new(chain, deployment);
        let now = client.chain().now().await?;
        let unlogged: Vec<(ServiceId, Balance)> = if clean {
            Vec::new()
        } else {
            snapshot
                .channels
                .iter()
                .map(|c| {
                    (
                        c.service_id,
                        c.ceiling.saturating_sub(c.recorded_spend.max(c.spent)),
                    )
                })
                .collect()
        };
        let budget = Budget::restore(config.budget.clone(), &snapshot.spend, &unlogged, now);
        let mut records = HashMap::new();
        let mut books = HashMap::new();
        for c in &snapshot.channels {
            books.insert(
                c.channel_id,
                ChannelBooks::restored(c.channel_id, c.funds, c.ceiling, c.acked, c.spent),
            );
            records.insert(c.channel_id, c.clone());
        }
        let unit = client.query(client.reputation().params()).await?.unit;
        let escrow = client.query(client.escrow().config()).await?;
        if escrow.genesis_hash != genesis {
            return Err(AgentError::WrongChain {
                what: "the escrow (its config().genesis_hash)",
                got: hex(&escrow.genesis_hash),
                chain: hex(&genesis),
            });
        }
        if !escrow.sr25519_vouchers && !matches!(vouchers, VoucherKey::Ecdsa(_)) {
            return Err(AgentError::VoucherScheme {
                got: "sr25519",
                accepted: "ecdsa",
            });
        }
        let agent = Agent {
            client,
            key,
            vouchers,
            domain,
            store,
            state: Mutex::new(State {
                records,
                books,
                budget,
                verified: HashSet::new(),
            }),
            channel_ops: tokio::sync::Mutex::new(()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_millis(config.pay.timeout_ms))
                .build()
                .map_err(|e| AgentError::Request(e.to_string()))?,
            config,
            unit,
            rng: Mutex::new(rand::rngs::StdRng::from_entropy()),
        };
        if !snapshot.pending_opens.is_empty() {
            agent.sync_channels().await?;
            for p in &snapshot.pending_opens {
                agent.store.pending_done(p.id).await?;
            }
        }
        Ok(agent)
    }

    /// The account that pays.
    pub fn account(&self) -> AccountId {
        self.key.account_id()
    }

    /// The typed contract client (chain and deployment).
    pub fn client(&self) -> &Client<Arc<dyn Chain>> {
        &self.client
    }

    /// The agent's configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// Seeds the selection's random choices (for reproducible runs and tests).
    pub fn seed(&self, seed: u64) {
        *lock(&self.rng) = rand::rngs::StdRng::seed_from_u64(seed);
    }

    pub(crate) async fn now(&self) -> Result<Timestamp, AgentError> {
        Ok(self.client.chain().now().await?)
    }

    // ---- discovery ---------------------------------------------------------------

    /// Every active service under `tag`, across all pages of the registry's ranked
    /// listing plus the tag's leaderboard (`top_by_tag`: a service a concurrent
    /// swap-remove moved between pages is still found if it is on the board), with
    /// records and score evidence, ordered by the selection policy's order.
    pub async fn discover(&self, tag: &str) -> Result<Vec<ServiceInfo>, AgentError> {
        let registry = self.client.registry();
        let mut ids = Vec::new();
        let mut cursor = 0;
        loop {
            let page = self
                .client
                .query(registry.ranked_by_tag(tag, cursor, 0))
                .await?;
            ids.extend(page.entries.iter().map(|e| e.service_id));
            match page.next_cursor {
                Some(next) if next > cursor => cursor = next,
                _ => break,
            }
        }
        let top = self.client.query(registry.top_by_tag(tag)).await?;
        ids.extend(top.entries.iter().map(|e| e.service_id));
        ids.sort_unstable();
        ids.dedup();
        let mut services = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.fetch_service(id).await? {
                if s.active {
                    services.push(s);
                }
            }
        }
        rank(&mut services, self.config.selection.order, self.unit);
        Ok(services)
    }

    /// One service by id, with its score evidence (delisted services too).
    pub async fn service(&self, id: ServiceId) -> Result<ServiceInfo, AgentError> {
        self.fetch_service(id)
            .await?
            .ok_or(AgentError::NoService(id))
    }

    async fn fetch_service(&self, id: ServiceId) -> Result<Option<ServiceInfo>, AgentError> {
        let Some(s) = self
            .client
            .query(self.client.registry().service(id))
            .await?
        else {
            return Ok(None);
        };
        let score = self
            .client
            .query(self.client.reputation().score_of(id))
            .await?;
        Ok(Some(ServiceInfo {
            id,
            name: s.name,
            org_id: s.org_id,
            price: s.price,
            payee: chain_account(&s.payee),
            endpoint: s.endpoint,
            metadata_uri: s.metadata_uri,
            tags: s.tags,
            active: s.active,
            score: score.lcb,
            evidence: Evidence::from(&score),
        }))
    }

    /// Discovers `tag` and picks a service by the selection policy (within the
    /// budget's per-call maximum).
    pub async fn choose(&self, tag: &str) -> Result<(ServiceInfo, Choice), AgentError> {
        self.choose_excluding(tag, &[]).await
    }

    /// [`Self::choose`], never picking one of `excluded`.
    pub async fn choose_excluding(
        &self,
        tag: &str,
        excluded: &[ServiceId],
    ) -> Result<(ServiceInfo, Choice), AgentError> {
        let services = self.discover(tag).await?;
        let max = self.config.budget.max_price_per_call;
        let mut rng = lock(&self.rng);
        self.config
            .selection
            .choose(&services, max, excluded, &mut *rng)
            .map(|(s, how)| (s.clone(), how))
            .ok_or_else(|| AgentError::NoCandidate { tag: tag.into() })
    }

    // ---- money -------------------------------------------------------------------

    /// Spend so far under the budget policy.
    pub fn spend(&self, now: Timestamp) -> SpendReport {
        lock(&self.state).budget.report(now)
    }

    /// The agent's free balance, escrow balance, what its channels still hold, and its
    /// spend.
    pub async fn balances(&self) -> Result<Balances, AgentError> {
        let me = self.account();
        let free = self.client.chain().free_balance(&me).await?;
        let escrow = self
            .client
            .query(self.client.escrow().balance_of(&me))
            .await?;
        let now = self.now().await?;
        let st = lock(&self.state);
        let available = st
            .records
            .values()
            .filter(|r| r.open)
            .filter_map(|r| st.books.get(&r.channel_id))
            .map(ChannelBooks::available)
            .fold(0u128, |a, b| a.saturating_add(b));
        drop(st);
        Ok(Balances {
            account: me,
            free,
            escrow,
            available_in_channels: available,
            spend: self.spend(now),
        })
    }

    // ---- rating ------------------------------------------------------------------

    /// Rates `service_id` with the newest of the agent's channels to it that was paid
    /// on chain (claimed > 0) and not rated yet.
    pub async fn rate(&self, service_id: ServiceId, rating: Rating) -> Result<Rated, AgentError> {
        let mut ids: Vec<ChannelId> = lock(&self.state)
            .records
            .values()
            .filter(|r| r.service_id == service_id && !r.rated)
            .map(|r| r.channel_id)
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for id in ids {
            let Some(ch) = self.client.query(self.client.escrow().channel(id)).await? else {
                continue;
            };
            if ch.claimed == 0 {
                continue;
            }
            if self
                .client
                .query(self.client.reputation().has_rated(id))
                .await?
            {
                self.store.mark_rated(id).await?;
                continue;
            }
            return self.rate_channel(id, rating).await;
        }
        Err(AgentError::NotRatable(format!(
            "no channel of this agent to service {service_id} has been claimed by its \
             provider yet and is unrated (a rating needs a paid, claimed channel)"
        )))
    }

    /// Rates the service of channel `channel_id` (the agent's own).
    pub async fn rate_channel(
        &self,
        channel_id: ChannelId,
        rating: Rating,
    ) -> Result<Rated, AgentError> {
        let service_id = lock(&self.state)
            .records
            .get(&channel_id)
            .map(|r| r.service_id)
            .ok_or(AgentError::NoChannel(channel_id))?;
        let stars = rating.stars();
        self.client
            .send(&self.key, self.client.reputation().rate(channel_id, stars))
            .await?;
        self.store.mark_rated(channel_id).await?;
        if let Some(r) = lock(&self.state).records.get_mut(&channel_id) {
            r.rated = true;
        }
        Ok(Rated {
            service_id,
            channel_id,
            stars,
        })
    }

    /// Writes everything pending and marks the store cleanly closed (a restart then
    /// need not count the ceilings' slack as possibly spent).
    pub async fn close(&self) -> Result<(), AgentError> {
        self.store.flush().await?;
        self.store.mark_clean().await?;
        Ok(())
    }
}

/// The voucher key of `suri` in the scheme this deployment's escrow accepts: sr25519
/// where it verifies sr25519 (the dev build), ecdsa where it does not (`escrow-ecdsa`,
/// the build for production chains without `sr25519_verify`; docs/production.md).
pub async fn voucher_key_for<C: Chain>(
    client: &Client<C>,
    suri: &str,
) -> Result<VoucherKey, AgentError> {
    let escrow = client.query(client.escrow().config()).await?;
    let key = if escrow.sr25519_vouchers {
        VoucherKey::sr25519(suri)
    } else {
        VoucherKey::ecdsa(suri)
    };
    Ok(key?)
}

/// The signer a channel of `key` stores.
pub(crate) fn signer_of(key: &VoucherKey) -> gb_interfaces::Signer {
    key.signer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_maps_to_stars_as_the_simulation_does() {
        assert_eq!(Rating::Quality(0.0).stars(), 1);
        assert_eq!(Rating::Quality(0.5).stars(), 3);
        assert_eq!(Rating::Quality(0.9).stars(), 5);
        assert_eq!(Rating::Quality(f64::NAN).stars(), 1);
        assert_eq!(Rating::Stars(9).stars(), 5);
        assert_eq!(Rating::Stars(0).stars(), 1);
    }
}
