//! The `gb-gateway` command line (clap), in the house style of gb-deploy,
//! cargo-contract and pop-cli: `--url`, `--suri` (or `GB_SURI`), a dry run by default
//! and `-x/--execute` for what changes the chain, `--output-json` where there is a
//! result to read.
//!
//! ```text
//! gb-gateway init   [--config PATH] [--force] [--output-json]
//! gb-gateway run    [--config PATH] [--url URL] [--suri SURI] [--log-json]
//! gb-gateway check  [--config PATH] [--url URL] [--suri SURI] [--output-json]
//! gb-gateway status [--config PATH] [--output-json]
//! gb-gateway claim  [--config PATH] [--url URL] [--suri SURI] [--all] [-x] [--output-json]
//! ```
//!
//! Exit codes: 0 success; 1 the command failed (chain, store, listener…); 2 the
//! command line is wrong (clap); 3 the configuration is invalid.

use crate::channels::ChannelCache;
use crate::claimer::Claimer;
use crate::clock::ChainClock;
use crate::config::{Config, ConfigError, EXAMPLE};
use crate::gateway::{self, open_store, read_terms, Setup};
use crate::metrics::Metrics;
use crate::store::Binding;
use crate::writer::Writer;
use anyhow::{anyhow, Context as _};
use gb_chain::{AccountKey, Chain};
use gb_client::{Client, Deployment};
use gb_protocol::Account;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

/// Exit code of an invalid configuration.
pub const EXIT_CONFIG: i32 = 3;

/// A paid HTTP gateway in front of an AI service: vouchers of Global Brain escrow
/// channels, made durable before forwarding, claimed on chain in batches.
#[derive(clap::Parser, Debug)]
#[command(name = "gb-gateway", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Writes a commented example configuration.
    Init(InitArgs),
    /// Runs the gateway until SIGINT/SIGTERM (then stops gracefully: requests in
    /// flight finish, every accepted voucher is committed).
    Run(RunArgs),
    /// Checks the configuration, the chain, the service's terms and the store, and
    /// prints the terms clients will see.
    Check(RunArgs),
    /// Shows the store: channels, what is unclaimed, claims left pending.
    Status(StatusArgs),
    /// Claims now: what is due (or everything unclaimed with --all); a dry run unless
    /// -x. Do not run it while a gateway with the claimer runs on the same store.
    Claim(ClaimArgs),
}

/// Where the configuration is.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigOpt {
    /// The configuration file.
    #[arg(
        long,
        env = "GB_GATEWAY_CONFIG",
        default_value = "gateway.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
}

/// The chain options.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ChainOpts {
    /// The node (ws://…); default: `url` in the configuration, else the deployment
    /// file's chain.url.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The payee's secret URI, which signs claims. Prefer the GB_SURI environment
    /// variable: a secret on the command line is visible to other users.
    #[arg(long, env = "GB_SURI", hide_env_values = true, value_name = "SURI")]
    pub suri: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub config: ConfigOpt,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub output_json: bool,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub chain: ChainOpts,
    /// Logs as JSON lines (else human-readable). The level: GB_GATEWAY_LOG or
    /// RUST_LOG (default info).
    #[arg(long)]
    pub log_json: bool,
    /// `check` only: print the result as JSON.
    #[arg(long)]
    pub output_json: bool,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub config: ConfigOpt,
    #[arg(long)]
    pub output_json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ClaimArgs {
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub chain: ChainOpts,
    /// Claim every channel with unclaimed value, due or not.
    #[arg(long)]
    pub all: bool,
    /// Submit the claims (without it: a dry run that changes nothing).
    #[arg(short = 'x', long)]
    pub execute: bool,
    #[arg(long)]
    pub output_json: bool,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let code = if error.downcast_ref::<ConfigError>().is_some() {
            EXIT_CONFIG
        } else {
            1
        };
        Failure { code, error }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Init(a) => init(a),
        Command::Run(a) => run_gateway(a).await,
        Command::Check(a) => check(a).await,
        Command::Status(a) => status(a).await,
        Command::Claim(a) => claim(a).await,
    }
}

fn init(a: InitArgs) -> Result<(), Failure> {
    let path = &a.config.config;
    if path.exists() && !a.force {
        return Err(anyhow!("{} exists; pass --force to overwrite it", path.display()).into());
    }
    std::fs::write(path, EXAMPLE).with_context(|| format!("writing {}", path.display()))?;
    if a.output_json {
        println!("{}", json!({ "written": path }));
    } else {
        println!(
            "wrote {}: set upstream, service_id and deployment, then `gb-gateway run --config {}` (the payee's key in GB_SURI)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

fn load_config(opt: &ConfigOpt) -> Result<Config, Failure> {
    Ok(Config::load(&opt.config)?)
}

fn load_deployment(config: &Config) -> Result<Deployment, Failure> {
    Deployment::read(&config.deployment)?
        .ok_or_else(|| {
            anyhow!(
                "no deployment file at {} (gb-deploy deploy -x --deployment … writes one)",
                config.deployment.display()
            )
        })
        .map_err(Failure::from)
}

/// The claimer's key from `--suri`/`GB_SURI`.
fn key(opts: &ChainOpts) -> Result<Option<AccountKey>, Failure> {
    opts.suri
        .as_deref()
        .map(AccountKey::from_suri)
        .transpose()
        .map_err(|e| anyhow!("--suri: {e}").into())
}

/// Connects to the chain: `--url`, else the configuration's `url`, else the
/// deployment file's.
async fn connect(
    opts: &ChainOpts,
    config: &Config,
    deployment: &Deployment,
    key: &Option<AccountKey>,
) -> Result<Arc<dyn Chain>, Failure> {
    let url = opts
        .url
        .clone()
        .or_else(|| config.url.clone())
        .or_else(|| deployment.chain.url.clone())
        .ok_or_else(|| anyhow!("no node URL: pass --url, or set `url` in the configuration"))?;
    #[cfg(feature = "testkit")]
    if let Some(rest) = url.strip_prefix(crate::testkit::SCHEME) {
        return Ok(Arc::new(crate::testkit::RemoteChain::connect(rest).await?));
    }
    // Dry runs are made from the payee's account, or any account without a key.
    let origin = key
        .clone()
        .unwrap_or_else(|| AccountKey::dev("gb-gateway-reader"));
    let node = gb_chain::node::Node::connect(&url, origin).await?;
    Ok(Arc::new(node))
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GB_GATEWAY_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

async fn run_gateway(a: RunArgs) -> Result<(), Failure> {
    init_logs(a.log_json);
    let config = load_config(&a.config)?;
    let deployment = load_deployment(&config)?;
    let key = key(&a.chain)?;
    let chain = connect(&a.chain, &config, &deployment, &key).await?;
    let store = open_store(&config).await?;
    let running = gateway::start(Setup {
        config,
        chain,
        deployment,
        store,
        claimer_key: key,
    })
    .await?;
    shutdown_signal().await;
    tracing::info!("stopping: finishing requests in flight, committing the store");
    running.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn check(a: RunArgs) -> Result<(), Failure> {
    let config = load_config(&a.config)?;
    let deployment = load_deployment(&config)?;
    let key = key(&a.chain)?;
    let chain = connect(&a.chain, &config, &deployment, &key).await?;
    let client = Client::new(chain, deployment);
    let terms = read_terms(&config, &client).await?;
    let claimer = match (&key, config.claims.enabled) {
        (_, false) => "disabled".to_string(),
        (None, true) => return Err(gateway::StartError::NoClaimerKey.into()),
        (Some(k), true) if k.account_id().0 != terms.payee => {
            return Err(gateway::StartError::WrongKey {
                key: Account(k.account_id().0).to_string(),
                payee: Account(terms.payee).to_string(),
                service: terms.service_id,
            }
            .into())
        }
        (Some(_), true) => "the payee's key".to_string(),
    };
    let store = open_store(&config).await?;
    store
        .open(
            &Binding {
                genesis: terms.genesis,
                escrow: terms.escrow,
                service_id: terms.service_id,
            },
            &config.replica_id,
        )
        .await?;
    let info = terms.service_info();
    if a.output_json {
        println!(
            "{}",
            json!({ "ok": true, "store": store.kind(), "claimer": claimer, "upstream": config.upstream, "terms": info })
        );
    } else {
        let r = &info.accepts[0];
        println!("configuration {} is valid", a.config.config.display());
        println!(
            "  service {} on {} (escrow {})",
            terms.service_id, r.network, r.extra.escrow
        );
        println!(
            "  price {} plancks per call, paid to {}",
            r.amount, r.pay_to
        );
        println!(
            "  store: {} ({}); claimer: {claimer}",
            store.kind(),
            config.store.path.display()
        );
        println!("  forwards to {}", config.upstream);
    }
    Ok(())
}

async fn status(a: StatusArgs) -> Result<(), Failure> {
    let config = load_config(&a.config)?;
    let store = open_store(&config).await?;
    let channels = store.channels().await?;
    let pending = store.open_claims().await?;
    let unclaimed: u128 = channels.iter().map(|c| c.unclaimed()).sum();
    let rows: Vec<_> = channels
        .iter()
        .filter(|c| c.unclaimed() > 0)
        .map(|c| {
            json!({
                "channel": c.id,
                "accepted": c.ledger.accepted.to_string(),
                "spent": c.ledger.spent.to_string(),
                "claimed": c.chain.as_ref().map(|x| x.claimed.to_string()),
                "expiry": c.chain.as_ref().map(|x| x.expiry),
                "unclaimedSince": c.unclaimed_since,
            })
        })
        .collect();
    if a.output_json {
        println!(
            "{}",
            json!({
                "store": store.kind(),
                "channels": channels.len(),
                "unclaimed": unclaimed.to_string(),
                "unclaimedChannels": rows,
                "pendingClaims": pending.iter().map(|p| p.id).collect::<Vec<_>>(),
            })
        );
    } else {
        println!(
            "{} channels; {unclaimed} plancks accepted but not claimed, in {} of them",
            channels.len(),
            rows.len()
        );
        for r in &rows {
            println!(
                "  channel {}: accepted {}, claimed {}",
                r["channel"], r["accepted"], r["claimed"]
            );
        }
        println!("claims left pending: {}", pending.len());
    }
    Ok(())
}

async fn claim(a: ClaimArgs) -> Result<(), Failure> {
    let config = load_config(&a.config)?;
    let deployment = load_deployment(&config)?;
    let key =
        key(&a.chain)?.ok_or_else(|| anyhow!("claim needs the payee's key: --suri or GB_SURI"))?;
    let chain = connect(&a.chain, &config, &deployment, &Some(key.clone())).await?;
    let client = Arc::new(Client::new(chain, deployment));
    let terms = read_terms(&config, &client).await?;
    if key.account_id().0 != terms.payee {
        return Err(gateway::StartError::WrongKey {
            key: Account(key.account_id().0).to_string(),
            payee: Account(terms.payee).to_string(),
            service: terms.service_id,
        }
        .into());
    }
    let store = open_store(&config).await?;
    store
        .open(
            &Binding {
                genesis: terms.genesis,
                escrow: terms.escrow,
                service_id: terms.service_id,
            },
            &config.replica_id,
        )
        .await?;
    let metrics = Metrics::new();
    let writer = Writer::start(store.clone(), config.store.max_batch, metrics.clone());
    let cache = Arc::new(ChannelCache::new(
        client.clone(),
        store.clone(),
        writer.clone(),
        0,
    ));
    let claimer = Claimer {
        clock: Arc::new(ChainClock::new(client.chain().now().await?)),
        client,
        store,
        writer: writer.clone(),
        cache,
        metrics,
        config: config.claims.clone(),
        key,
    };
    if a.execute {
        claimer.reconcile_pending().await?;
    }
    let report = claimer.round(a.all, !a.execute).await;
    writer.stop().await;
    if a.output_json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let verb = if a.execute {
            "claimed"
        } else {
            "would claim (dry run; -x to submit)"
        };
        println!("{} channels due", report.due.len());
        for (i, b) in report.batches.iter().enumerate() {
            println!("batch {}: {} vouchers", i + 1, b.len());
            for c in b {
                println!("  channel {}: {} ({})", c.channel, c.amount, c.outcome);
            }
        }
        if a.execute {
            println!("{verb}: {} plancks", report.claimed_value);
        } else {
            println!("{verb}");
        }
        for e in &report.errors {
            println!("error: {e}");
        }
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(anyhow!("{} claim batch(es) failed", report.errors.len()).into())
    }
}
