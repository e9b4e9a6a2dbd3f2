//! A provider of the market: a model service ([`crate::upstream`]) on loopback behind
//! its own real provider gateway (`gb-gateway`), registered on chain under a tag. The
//! gateway keeps its ledger in SQLite in a temporary directory and batch-claims when
//! the run asks ([`Provider::claim`]).

use crate::upstream::Upstream;
use gb_chain::{AccountKey, Balance, Chain};
use gb_client::{ink_account, Client, ServiceSpec};
use gb_gateway::config::Config;
use gb_gateway::store::{sqlite::SqliteStore, Store};
use gb_gateway::{Running, Setup};
use gb_interfaces::ServiceId;
use std::net::SocketAddr;
use std::sync::Arc;

/// Why a provider could not start or claim.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("chain: {0}")]
    Chain(String),
    #[error("gateway: {0}")]
    Gateway(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

fn err<E: std::fmt::Display>(f: fn(String) -> ProviderError) -> impl Fn(E) -> ProviderError {
    move |e| f(e.to_string())
}

/// A running provider: upstream, gateway, ledger.
pub struct Provider {
    pub id: ServiceId,
    pub name: String,
    pub price: Balance,
    pub payee: AccountKey,
    pub upstream: Upstream,
    pub gateway_addr: SocketAddr,
    store: Arc<dyn Store>,
    running: Running,
    _dir: tempfile::TempDir,
}

/// A service to register: who, where, at what price.
pub struct Listing<'a> {
    pub owner: &'a AccountKey,
    pub org: &'a str,
    pub name: &'a str,
    pub price: Balance,
    pub tag: &'a str,
}

impl Provider {
    /// Registers `listing` on chain with the gateway's address as its endpoint, then
    /// starts the gateway in front of `upstream`.
    pub async fn start(
        client: &Client<Arc<dyn Chain>>,
        listing: Listing<'_>,
        upstream: Upstream,
    ) -> Result<Provider, ProviderError> {
        let addr = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await?
            .local_addr()?;
        let spec = ServiceSpec {
            name: listing.name.into(),
            price: listing.price,
            payee: ink_account(&listing.owner.account_id()),
            endpoint: format!("http://{addr}"),
            metadata_uri: format!("ipfs://{}", listing.name),
            metadata_hash: [0; 32],
            tags: vec![listing.tag.to_string()],
        };
        let id = client
            .send(
                listing.owner,
                client.registry().register_service(listing.org, spec),
            )
            .await
            .map_err(err(ProviderError::Chain))?
            .value;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("gateway.db");
        // Claims when the run asks (each round); the timer is an hour.
        let config = Config::embedded(addr, format!("http://{}", upstream.addr), id, &path)
            .map_err(err(ProviderError::Gateway))?;
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&path).map_err(err(ProviderError::Gateway))?);
        let running = gb_gateway::start(Setup {
            config,
            chain: client.chain().clone(),
            deployment: client.deployment().clone(),
            store: store.clone(),
            claimer_key: Some(listing.owner.clone()),
        })
        .await
        .map_err(err(ProviderError::Gateway))?;
        Ok(Provider {
            id,
            name: listing.name.into(),
            price: listing.price,
            payee: listing.owner.clone(),
            upstream,
            gateway_addr: addr,
            store,
            running,
            _dir: dir,
        })
    }

    /// Claims everything unclaimed (one batch transaction per due group); returns the
    /// value newly claimed (gross) and the number of transactions.
    pub async fn claim(&self) -> Result<(Balance, usize), ProviderError> {
        let report = self
            .running
            .claim_now(true, false)
            .await
            .ok_or_else(|| ProviderError::Gateway("the gateway has no claimer".into()))?;
        if !report.errors.is_empty() {
            return Err(ProviderError::Gateway(format!(
                "claim errors: {:?}",
                report.errors
            )));
        }
        let value = report
            .claimed_value
            .parse()
            .map_err(err(ProviderError::Gateway))?;
        Ok((value, report.batches.len()))
    }

    /// What the gateway charged (spent) and accepted (highest vouchers) over all its
    /// channels, from its durable ledger.
    pub async fn ledger(&self) -> Result<(Balance, Balance), ProviderError> {
        let channels = self
            .store
            .channels()
            .await
            .map_err(err(ProviderError::Gateway))?;
        Ok(channels.iter().fold((0, 0), |(s, a), c| {
            (s + c.ledger.spent, a + c.ledger.accepted)
        }))
    }

    /// Makes the gateway sample the chain's clock now.
    pub async fn sync_clock(&self) {
        self.running.sync_clock().await;
    }

    /// Stops the gateway gracefully.
    pub async fn stop(self) {
        self.running.shutdown().await;
    }
}
