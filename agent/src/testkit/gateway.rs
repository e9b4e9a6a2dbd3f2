//! The real provider gateway (`gb-gateway`, the `provider/` crate) in front of a test
//! upstream: the SDK's integration tests pay it exactly as they would pay a provider.
//! Each gateway keeps its ledger in its own SQLite file (WAL, synchronous=FULL), claims
//! when asked ([`ServiceGateway::claim`]), and can be stopped and started again on the
//! same port with the same ledger ("down" means the port refuses connections).

use gb_chain::{AccountKey, Balance, Chain};
use gb_client::Deployment;
use gb_gateway::config::Config;
use gb_gateway::store::{sqlite::SqliteStore, Store};
use gb_gateway::{Running, Setup};
use gb_interfaces::ServiceId;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A running `gb-gateway` for one service.
pub struct ServiceGateway {
    /// Where clients connect (the endpoint registered for the service).
    pub addr: SocketAddr,
    chain: Arc<dyn Chain>,
    deployment: Deployment,
    payee: AccountKey,
    config: Config,
    store: Arc<dyn Store>,
    running: tokio::sync::Mutex<Option<Running>>,
    _dir: tempfile::TempDir,
}

/// A free loopback port: bound, read and released (the gateway binds it next).
pub async fn free_addr() -> std::io::Result<SocketAddr> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    l.local_addr()
}

impl ServiceGateway {
    /// Starts a gateway on `addr` (see [`free_addr`]) for registered service `service`
    /// (whose payee `payee` claims) in front of `upstream`.
    pub async fn start(
        chain: Arc<dyn Chain>,
        deployment: Deployment,
        service: ServiceId,
        payee: AccountKey,
        addr: SocketAddr,
        upstream: SocketAddr,
    ) -> anyhow::Result<ServiceGateway> {
        let dir = tempfile::tempdir()?;
        let path: PathBuf = dir.path().join("gateway.db");
        let config = Config::embedded(addr, format!("http://{upstream}"), service, &path)?;
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path)?);
        let gw = ServiceGateway {
            addr,
            chain,
            deployment,
            payee,
            config,
            store,
            running: tokio::sync::Mutex::new(None),
            _dir: dir,
        };
        gw.restart().await?;
        Ok(gw)
    }

    /// The endpoint to register: `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the gateway gracefully (requests in flight finish, every accepted voucher
    /// is durable); the port then refuses connections.
    pub async fn stop(&self) {
        if let Some(r) = self.running.lock().await.take() {
            r.shutdown().await;
        }
    }

    /// Starts it again on the same port with the same ledger (a no-op if it runs).
    pub async fn restart(&self) -> anyhow::Result<()> {
        let mut running = self.running.lock().await;
        if running.is_none() {
            let r = gb_gateway::start(Setup {
                config: self.config.clone(),
                chain: self.chain.clone(),
                deployment: self.deployment.clone(),
                store: self.store.clone(),
                claimer_key: Some(self.payee.clone()),
            })
            .await?;
            *running = Some(r);
        }
        Ok(())
    }

    /// What the gateway charged over all its channels (its durable ledger).
    pub async fn spent(&self) -> Balance {
        let channels = self.store.channels().await.unwrap_or_default();
        channels.iter().map(|c| c.ledger.spent).sum()
    }

    /// Vouchers the gateway accepted (channels with a durable voucher).
    pub async fn vouchers(&self) -> usize {
        let channels = self.store.channels().await.unwrap_or_default();
        channels.iter().filter(|c| c.signature.is_some()).count()
    }

    /// Claims everything unclaimed now (the gateway's own claimer, `claim_batch`);
    /// returns the value newly claimed (gross).
    pub async fn claim(&self) -> anyhow::Result<Balance> {
        let running = self.running.lock().await;
        let r = running
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the gateway is stopped"))?;
        let report = r
            .claim_now(true, false)
            .await
            .ok_or_else(|| anyhow::anyhow!("the gateway has no claimer"))?;
        anyhow::ensure!(
            report.errors.is_empty(),
            "claim errors: {:?}",
            report.errors
        );
        Ok(report.claimed_value.parse()?)
    }
}
