//! The SDK's test kit (feature `sandbox`, tests and the benchmark only): a market —
//! the suite deployed by `gb_deploy::suite::deploy` on drink's in-process chain
//! ([`Market::start`]) or on a node ([`Market::on`]), a provider organization whose
//! services are real HTTP upstreams on loopback behind real provider gateways
//! (`gb-gateway`, [`ServiceGateway`]), and agents of development accounts. An
//! [`Impostor`] stands in front of a gateway to test that the SDK never pays one. `gb --in-process-market`
//! (hidden) runs the CLI and the MCP server on one, for the process-level tests.

mod gateway;
mod impostor;
mod upstream;

pub use gateway::{free_addr, ServiceGateway};
pub use impostor::{Impostor, Lie};
pub use upstream::{Handler, Upstream};

use crate::agent::Agent;
use crate::config::AgentConfig;
use crate::error::AgentError;
use gb_chain::sandbox::{Profile, Sandbox};
use gb_chain::{AccountKey, Balance, Chain, Timestamp};
use gb_client::{ink_account, Client, ServiceSpec};
use gb_interfaces::ServiceId;
use std::sync::Arc;

/// 10^10 plancks.
pub const UNIT: Balance = gb_scoring::DEFAULT_UNIT;
/// What the deployer gets from the in-process chain's faucet.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
/// What every other account is topped up to (by the deployer).
pub const FUNDS: Balance = 10_000 * UNIT;

/// A service of the market: its upstream and its gateway.
pub struct TestService {
    pub id: ServiceId,
    pub name: String,
    pub price: Balance,
    pub owner: AccountKey,
    pub upstream: Upstream,
    pub gateway: ServiceGateway,
}

/// A market on the in-process chain or on a node.
pub struct Market {
    pub client: Client<Arc<dyn Chain>>,
    /// Deployed the suite; funds the other accounts.
    pub deployer: AccountKey,
    /// `//Bob`: owns the organization and is the payee of its services.
    pub provider: AccountKey,
    pub services: Vec<TestService>,
    /// The provider's organization: `acme-ai` (with a suffix on a node).
    pub org: String,
    /// The tag of the provider's services: `medical` (with a suffix on a node).
    pub tag: String,
}

impl Market {
    /// Deploys the suite on a fresh in-process chain and registers `n` services of
    /// `acme-ai` under tag `medical` (prices 1 U, 2 U, …), each behind its gateway.
    pub async fn start(n: usize) -> anyhow::Result<Market> {
        let sandbox = Arc::new(Sandbox::new());
        let deployer = AccountKey::dev("Deployer");
        sandbox.mint(&deployer.account_id(), ENDOWMENT)?;
        Self::on(sandbox, deployer, n).await
    }

    /// Deploys the suite on `chain` as `deployer` and registers `n` services as
    /// [`Market::start`] does. On a node, `deployer` is a funded account (`//Alice` on
    /// a dev node), and the organization and tag get a suffix so that runs on one
    /// node do not collide.
    pub async fn on(
        chain: Arc<dyn Chain>,
        deployer: AccountKey,
        n: usize,
    ) -> anyhow::Result<Market> {
        let bundles = gb_deploy::Bundles::load(&gb_deploy::bundle::default_dir())?;
        Self::on_with(chain, deployer, n, bundles).await
    }

    /// [`Market::start`] on the in-process production-like runtime (unstable host
    /// functions off, call stack 5, 128 KiB code; docs/production.md) with the
    /// production escrow build (`escrow-ecdsa`: ecdsa vouchers only).
    pub async fn production(n: usize) -> anyhow::Result<Market> {
        let sandbox = Arc::new(Sandbox::with_profile(Profile::Production));
        let deployer = AccountKey::dev("Deployer");
        sandbox.mint(&deployer.account_id(), ENDOWMENT)?;
        let bundles = gb_deploy::Bundles::load_production(&gb_deploy::bundle::default_dir())?;
        Self::on_with(sandbox, deployer, n, bundles).await
    }

    /// [`Market::on`] with the given contract bundles.
    pub async fn on_with(
        chain: Arc<dyn Chain>,
        deployer: AccountKey,
        n: usize,
        bundles: gb_deploy::Bundles,
    ) -> anyhow::Result<Market> {
        let now = chain.now().await?;
        let opts = gb_deploy::Options {
            fee_bps: 100,
            treasury: AccountKey::dev("Ferdie").account_id(),
            salt: now.to_le_bytes().to_vec(),
        };
        let deployment = gb_deploy::suite::deploy(&chain, &bundles, &deployer, &opts).await?;
        let on_node = chain.info().url.is_some();
        let suffix = if on_node {
            format!("-{}", now % 1_000_000)
        } else {
            String::new()
        };
        let mut market = Market {
            client: Client::new(chain, deployment),
            deployer,
            provider: AccountKey::dev("Bob"),
            services: Vec::new(),
            org: format!("acme-ai{suffix}"),
            tag: format!("medical{suffix}"),
        };
        let provider = market.account("Bob").await?;
        let c = &market.client;
        c.send(&provider, c.registry().create_org(&market.org))
            .await?;
        let (org, tag) = (market.org.clone(), market.tag.clone());
        for i in 0..n {
            let price = UNIT * (i as Balance + 1);
            market
                .add_service(&provider, &org, &format!("svc-{}", i + 1), price, &[&tag])
                .await?;
        }
        Ok(market)
    }

    /// Registers a service of `org` (owned by `owner`, who is its payee) with a fresh
    /// upstream and gateway; returns its index in [`Market::services`].
    pub async fn add_service(
        &mut self,
        owner: &AccountKey,
        org: &str,
        name: &str,
        price: Balance,
        tags: &[&str],
    ) -> anyhow::Result<usize> {
        let upstream = Upstream::start(name).await?;
        self.add_service_with(owner, org, name, price, tags, upstream)
            .await
    }

    /// [`Market::add_service`] in front of a given upstream.
    pub async fn add_service_with(
        &mut self,
        owner: &AccountKey,
        org: &str,
        name: &str,
        price: Balance,
        tags: &[&str],
        upstream: Upstream,
    ) -> anyhow::Result<usize> {
        let c = &self.client;
        let id = c.query(c.registry().next_service_id()).await?;
        // The gateway reads its terms from the registry: register first, at the
        // address the gateway will listen on.
        let addr = free_addr().await?;
        let spec = ServiceSpec {
            name: name.into(),
            price,
            payee: ink_account(&owner.account_id()),
            endpoint: format!("http://{addr}"),
            metadata_uri: format!("ipfs://{name}"),
            metadata_hash: [0; 32],
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        let got = c
            .send(owner, c.registry().register_service(org, spec))
            .await?
            .value;
        anyhow::ensure!(got == id, "registered as {got}, expected {id}");
        let gateway = ServiceGateway::start(
            c.chain().clone(),
            c.deployment().clone(),
            id,
            owner.clone(),
            addr,
            upstream.addr,
        )
        .await?;
        self.services.push(TestService {
            id,
            name: name.into(),
            price,
            owner: owner.clone(),
            upstream,
            gateway,
        });
        Ok(self.services.len() - 1)
    }

    /// The service with id `id`.
    pub fn service(&self, id: ServiceId) -> &TestService {
        self.services
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no service {id}"))
    }

    /// The development account `//seed`, topped up to [`FUNDS`] by the deployer.
    pub async fn account(&self, seed: &str) -> anyhow::Result<AccountKey> {
        let k = AccountKey::dev(seed);
        self.client
            .chain()
            .fund(&self.deployer, &k.account_id(), FUNDS)
            .await?;
        Ok(k)
    }

    /// An agent of the funded development account `//seed` (its voucher key is the key
    /// of the same secret URI in the scheme the escrow accepts: `voucher_key_for`).
    pub async fn agent_with(&self, seed: &str, config: AgentConfig) -> Result<Agent, AgentError> {
        let key = self
            .account(seed)
            .await
            .map_err(|e| AgentError::Request(e.to_string()))?;
        let vouchers = crate::agent::voucher_key_for(&self.client, &format!("//{seed}")).await?;
        Agent::new(
            self.client.chain().clone(),
            self.client.deployment().clone(),
            key,
            vouchers,
            config,
        )
        .await
    }

    /// Moves the chain's clock on by `ms`.
    pub async fn advance(&self, ms: Timestamp) -> anyhow::Result<()> {
        self.client.chain().advance(ms).await?;
        Ok(())
    }

    /// `//Alice`'s agent (its store under `dir`) with one warm-up call to service 1 made:
    /// the channel opened (sized for `calls` more calls), the terms checked, the
    /// connection up. Score order without exploration, 64 calls ahead: every later call
    /// to service 1 goes to that one channel.
    pub async fn one_channel_agent(
        &self,
        dir: &std::path::Path,
        calls: u32,
    ) -> anyhow::Result<(Arc<Agent>, crate::ServiceInfo)> {
        let mut config = AgentConfig::new(dir.join("agent.db"));
        config.selection = crate::SelectionPolicy {
            order: crate::Order::Score,
            epsilon: 0.0,
            newcomer_n: 0,
        };
        config.pay.max_ahead_calls = 64;
        config.channels.calls_per_channel = calls + 10;
        let agent = Arc::new(self.agent_with("Alice", config).await?);
        let service = agent.service(1).await?;
        agent
            .call(&service, crate::CallRequest::post("/", "warm"))
            .await?
            .response
            .bytes()
            .await?;
        Ok((agent, service))
    }
}

/// `tasks` tasks at once, each making `each` paid calls of `agent` to `service` (bodies
/// `"{task}-{i}"`) and reading every response.
pub async fn calls_at_once(
    agent: &Arc<Agent>,
    service: &crate::ServiceInfo,
    tasks: u32,
    each: u32,
) -> anyhow::Result<()> {
    let mut running = Vec::new();
    for t in 0..tasks {
        let (agent, service) = (agent.clone(), service.clone());
        running.push(tokio::spawn(async move {
            for i in 0..each {
                let paid = agent
                    .call(&service, crate::CallRequest::post("/", format!("{t}-{i}")))
                    .await?;
                paid.response.bytes().await?;
            }
            anyhow::Ok(())
        }));
    }
    for r in running {
        r.await??;
    }
    Ok(())
}
