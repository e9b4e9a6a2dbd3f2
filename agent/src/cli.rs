//! The `gb` command line (clap), in the house style of `gb-deploy`: the shared chain
//! options (`--url`, `--suri`/`GB_SURI`, `--deployment`/`GB_DEPLOYMENT`), a dry run by
//! default with `-x/--execute` for chain transactions, and `--output-json` on every
//! command.
//!
//! Exit codes: 0 success; 1 the command failed; 2 the command line is wrong (clap);
//! 3 the budget policy refused the call (nothing was paid); 4 the gateway's terms do
//! not match the registry (an impostor: nothing was paid).

use crate::agent::{Agent, Rating};
use crate::budget::{BudgetPolicy, WindowCap};
use crate::config::AgentConfig;
use crate::discover::Order;
use crate::error::AgentError;
use crate::pay::CallRequest;
use anyhow::{anyhow, Context as _};
use gb_chain::{Balance, Chain};
use gb_cli_common::{ChainOpts, DeploymentOpts};
use gb_client::Deployment;
use gb_interfaces::{ChannelId, ServiceId};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

/// Discover, pay for and rate AI services on Global Brain; `gb mcp` serves the same to
/// an LLM over MCP.
#[derive(clap::Parser, Debug)]
#[command(name = "gb", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Lists the services of a tag, best first (all pages, with score evidence).
    Services(ServicesArgs),
    /// Shows one service: its registry entry and its score's evidence.
    Service(ServiceArgs),
    /// Lists this agent's channels (from its store; --sync reads the chain first).
    Channels(ChannelsArgs),
    /// Opens a channel to a service (a dry run unless -x).
    Open(OpenArgs),
    /// Adds funds to one of the agent's channels (a dry run unless -x).
    Fund(FundArgs),
    /// Pays for one call of a service and prints the response and the receipt.
    Call(CallArgs),
    /// Rates a service the agent paid (a dry run unless -x).
    Rate(RateArgs),
    /// Takes back what is left in expired channels (a dry run unless -x).
    Refund(RefundArgs),
    /// Shows the account's balances, its channels' funds and its spend.
    Balance(BalanceArgs),
    /// Serves the marketplace to an LLM as an MCP server over stdio.
    Mcp(McpArgs),
}

/// Amount options accept plancks (`15000000000`) or units of 10^10 plancks (`1.5U`).
pub fn parse_amount(text: &str) -> Result<Balance, String> {
    let t = text.trim();
    if let Some(units) = t.strip_suffix(['U', 'u']) {
        let (whole, frac) = units.split_once('.').unwrap_or((units, ""));
        if frac.len() > 10 || whole.is_empty() && frac.is_empty() {
            return Err(format!("`{text}`: at most 10 decimals of U"));
        }
        let w: Balance = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|e| format!("`{text}`: {e}"))?
        };
        let f: Balance = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<10}")
                .parse()
                .map_err(|e| format!("`{text}`: {e}"))?
        };
        w.checked_mul(gb_scoring::DEFAULT_UNIT)
            .and_then(|w| w.checked_add(f))
            .ok_or_else(|| format!("`{text}`: too large"))
    } else {
        t.parse()
            .map_err(|e| format!("`{text}`: not an amount in plancks or U ({e})"))
    }
}

/// The budget options.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct BudgetOpts {
    /// The highest price per call to pay (plancks, or e.g. 2U).
    #[arg(long, env = "GB_MAX_PRICE", value_parser = parse_amount, value_name = "AMOUNT")]
    pub max_price: Option<Balance>,
    /// The most to spend in all (this store's life).
    #[arg(long, env = "GB_BUDGET_TOTAL", value_parser = parse_amount, value_name = "AMOUNT")]
    pub budget_total: Option<Balance>,
    /// The most to spend on one service.
    #[arg(long, env = "GB_BUDGET_PER_SERVICE", value_parser = parse_amount, value_name = "AMOUNT")]
    pub budget_per_service: Option<Balance>,
    /// The most to spend in any hour.
    #[arg(long, env = "GB_BUDGET_PER_HOUR", value_parser = parse_amount, value_name = "AMOUNT")]
    pub budget_per_hour: Option<Balance>,
    /// The most to spend in any day.
    #[arg(long, env = "GB_BUDGET_PER_DAY", value_parser = parse_amount, value_name = "AMOUNT")]
    pub budget_per_day: Option<Balance>,
}

impl BudgetOpts {
    /// The policy these options describe.
    pub fn policy(&self) -> BudgetPolicy {
        let mut windows = Vec::new();
        if let Some(cap) = self.budget_per_hour {
            windows.push(WindowCap {
                window_ms: 3_600_000,
                cap,
                per_service: false,
            });
        }
        if let Some(cap) = self.budget_per_day {
            windows.push(WindowCap {
                window_ms: 86_400_000,
                cap,
                per_service: false,
            });
        }
        BudgetPolicy {
            max_price_per_call: self.max_price,
            total: self.budget_total,
            per_service: self.budget_per_service,
            windows,
        }
    }
}

/// What every command needs: the chain, the deployment, the keys, the store, the
/// budget, the output format.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct AgentOpts {
    #[command(flatten)]
    pub chain: ChainOpts,
    #[command(flatten)]
    pub deployment: DeploymentOpts,
    /// The voucher key's secret URI (default: the --suri key). Prefer the
    /// GB_VOUCHER_SURI environment variable. Its scheme is the one the escrow accepts:
    /// sr25519, or ecdsa where the escrow is the production build (escrow-ecdsa).
    #[arg(
        long,
        env = "GB_VOUCHER_SURI",
        hide_env_values = true,
        value_name = "SURI"
    )]
    pub voucher_suri: Option<String>,
    /// The agent's local store (SQLite; default $GB_HOME/agent-<escrow>-<account>.db,
    /// GB_HOME defaulting to ~/.gb).
    #[arg(long, env = "GB_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub budget: BudgetOpts,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub output_json: bool,
    /// Tests only: run against an in-process market (chain, provider, gateway) built
    /// in this process (feature `sandbox`).
    #[cfg(feature = "sandbox")]
    #[arg(long, hide = true)]
    pub in_process_market: bool,
}

#[derive(clap::Args, Debug)]
pub struct ServicesArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    /// The tag (vertical market), e.g. medical.
    pub tag: String,
    /// The order: value (quality per price) or score (the registry's).
    #[arg(long, value_enum, default_value_t = Order::Value)]
    pub order: Order,
}

#[derive(clap::Args, Debug)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    pub id: ServiceId,
}

#[derive(clap::Args, Debug)]
pub struct ChannelsArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    /// Read the account's channels from the chain first.
    #[arg(long)]
    pub sync: bool,
}

#[derive(clap::Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    pub service: ServiceId,
    /// Funds to lock (default: --calls calls at the service's price).
    #[arg(long, value_parser = parse_amount, value_name = "AMOUNT")]
    pub funds: Option<Balance>,
    /// Calls' worth of funds, if --funds is not given.
    #[arg(long, default_value_t = 100)]
    pub calls: u32,
    /// Days until the channel expires.
    #[arg(long, default_value_t = 7)]
    pub days: u64,
    /// Submit (without it: a dry run).
    #[arg(short = 'x', long)]
    pub execute: bool,
}

#[derive(clap::Args, Debug)]
pub struct FundArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    pub channel: ChannelId,
    #[arg(long, value_parser = parse_amount, value_name = "AMOUNT")]
    pub amount: Balance,
    #[arg(short = 'x', long)]
    pub execute: bool,
}

#[derive(clap::Args, Debug)]
pub struct CallArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    pub service: ServiceId,
    /// The request body: text, or @file to read it from a file (@- for stdin).
    #[arg(long, default_value = "")]
    pub data: String,
    /// The path under the service's endpoint.
    #[arg(long, default_value = "")]
    pub path: String,
    #[arg(long, default_value = "POST")]
    pub method: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct RateArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    pub service: ServiceId,
    /// 1..=5 stars.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5), conflicts_with = "quality", required_unless_present = "quality")]
    pub stars: Option<u8>,
    /// Your own quality measure in [0, 1] (1 + round(4 q) stars).
    #[arg(long)]
    pub quality: Option<f64>,
    #[arg(short = 'x', long)]
    pub execute: bool,
}

#[derive(clap::Args, Debug)]
pub struct RefundArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
    /// Also withdraw the escrow balance to the account.
    #[arg(long)]
    pub withdraw: bool,
    #[arg(short = 'x', long)]
    pub execute: bool,
}

#[derive(clap::Args, Debug)]
pub struct BalanceArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
}

#[derive(clap::Args, Debug)]
pub struct McpArgs {
    #[command(flatten)]
    pub agent: AgentOpts,
}

/// A failed command, with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub error: anyhow::Error,
    pub code: u8,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let code = match error.downcast_ref::<AgentError>() {
            Some(AgentError::Budget(_)) => 3,
            Some(AgentError::Impostor { .. }) => 4,
            _ => 1,
        };
        Failure { error, code }
    }
}

impl From<AgentError> for Failure {
    fn from(e: AgentError) -> Self {
        anyhow::Error::from(e).into()
    }
}

/// Prints narration (human mode) or the final JSON document.
pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn say(&self, line: &str) {
        if !self.json {
            println!("{line}");
        }
    }

    /// Progress of a multi-step action, on stderr (never mixed into JSON).
    pub fn progress(&self, line: &str) {
        if !self.json {
            eprintln!("{line}");
        }
    }

    pub fn result(&self, value: serde_json::Value) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
    }
}

/// `1.50 U` for people (U = 10^10 plancks).
pub fn units(v: Balance) -> String {
    let u = gb_scoring::DEFAULT_UNIT;
    format!("{}.{:02} U", v / u, (v % u) * 100 / u)
}

impl AgentOpts {
    /// The store path: --store, else $GB_HOME (default ~/.gb) /
    /// agent-<escrow 8 hex>-<account 8 hex>.db.
    fn store_path(&self, d: &Deployment, account: &gb_chain::AccountId) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.store {
            return Ok(p.clone());
        }
        let home = std::env::var_os("GB_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".gb")))
            .ok_or_else(|| anyhow!("no --store, GB_HOME or HOME: pass --store PATH"))?;
        std::fs::create_dir_all(&home).with_context(|| format!("creating {}", home.display()))?;
        Ok(home.join(format!(
            "agent-{}-{}.db",
            &hex::encode(d.escrow().0)[..8],
            &hex::encode(account.0)[..8]
        )))
    }

    /// The agent these options describe: connects to the node, reads the deployment,
    /// opens the store.
    pub async fn agent(&self) -> anyhow::Result<Agent> {
        #[cfg(feature = "sandbox")]
        if self.in_process_market {
            let store = self
                .store
                .clone()
                .ok_or_else(|| anyhow!("--in-process-market needs --store"))?;
            // The market lives as long as the process (its gateways serve the calls).
            let market: &'static crate::testkit::Market =
                Box::leak(Box::new(crate::testkit::Market::start(2).await?));
            let mut config = AgentConfig::new(store);
            config.budget = self.budget.policy();
            return Ok(market.agent_with("Alice", config).await?);
        }
        let url =
            self.chain.url.clone().ok_or_else(|| {
                anyhow!("gb talks to a node: pass --url, e.g. ws://127.0.0.1:9944")
            })?;
        let connected = self.chain.connect_node(&url).await?;
        let chain: Arc<dyn Chain> = Arc::from(connected.chain);
        let deployment = self.deployment.load(&*chain)?;
        let voucher_suri = self
            .voucher_suri
            .clone()
            .unwrap_or_else(|| connected.signer.suri().to_string());
        let vouchers = crate::agent::voucher_key_for(
            &gb_client::Client::new(chain.clone(), deployment.clone()),
            &voucher_suri,
        )
        .await
        .map_err(|e| anyhow!("--voucher-suri: {e}"))?;
        let mut config =
            AgentConfig::new(self.store_path(&deployment, &connected.signer.account_id())?);
        config.budget = self.budget.policy();
        Ok(Agent::new(chain, deployment, connected.signer, vouchers, config).await?)
    }
}

impl Cli {
    /// Runs the command.
    pub async fn run(self) -> Result<(), Failure> {
        match self.command {
            Command::Services(a) => services(a).await,
            Command::Service(a) => service(a).await,
            Command::Channels(a) => channels(a).await,
            Command::Open(a) => open(a).await,
            Command::Fund(a) => fund(a).await,
            Command::Call(a) => call(a).await,
            Command::Rate(a) => rate(a).await,
            Command::Refund(a) => refund(a).await,
            Command::Balance(a) => balance(a).await,
            Command::Mcp(a) => crate::mcp::serve(a.agent.agent().await?)
                .await
                .map_err(Failure::from),
        }
    }
}

async fn services(a: ServicesArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let mut agent_opts = a.agent;
    agent_opts.output_json = out.json;
    let agent = agent_opts.agent().await?;
    let mut list = agent.discover(&a.tag).await?;
    crate::discover::rank(&mut list, a.order, agent_unit(&agent));
    out.say(&format!(
        "{} service(s) under `{}` ({:?} order):",
        list.len(),
        a.tag,
        a.order
    ));
    for (i, s) in list.iter().enumerate() {
        out.say(&format!(
            "{:>3}. #{:<4} {:<24} {:>12}  score {:.3}  evidence n={}  {}",
            i + 1,
            s.id,
            s.name,
            units(s.price),
            f64::from(s.score) / 1e6,
            s.evidence.n,
            s.endpoint
        ));
    }
    out.result(json!({ "tag": a.tag, "order": a.order, "services": list }));
    Ok(())
}

fn agent_unit(agent: &Agent) -> Balance {
    agent.unit
}

async fn service(a: ServiceArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let agent = a.agent.agent().await?;
    let s = agent.service(a.id).await?;
    out.say(&format!(
        "#{} {} (org {}){}",
        s.id,
        s.name,
        s.org_id,
        if s.active { "" } else { " — delisted" }
    ));
    out.say(&format!(
        "  price    {} ({} plancks) per call",
        units(s.price),
        s.price
    ));
    out.say(&format!("  payee    {}", s.payee));
    out.say(&format!("  endpoint {}", s.endpoint));
    out.say(&format!("  tags     {}", s.tags.join(", ")));
    out.say(&format!(
        "  score    {:.3} (quality {:.3}, rating {:.3}, fulfillment {:.3}, evidence n={})",
        f64::from(s.score) / 1e6,
        f64::from(s.evidence.quality) / 1e6,
        f64::from(s.evidence.rating_mean) / 1e6,
        f64::from(s.evidence.fulfillment) / 1e6,
        s.evidence.n
    ));
    out.result(json!({ "service": s }));
    Ok(())
}

async fn channels(a: ChannelsArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let agent = a.agent.agent().await?;
    if a.sync {
        out.progress("reading the account's channels from escrow…");
        agent.sync_channels().await?;
    }
    let list = agent.channels();
    out.say(&format!("{} channel(s):", list.len()));
    for c in &list {
        out.say(&format!(
            "  #{:<5} service {:<4} funds {:>12} signed {:>12} available {:>12} claimed {:>12} {}{}",
            c.channel_id,
            c.service_id,
            units(c.funds),
            units(c.signed),
            units(c.available),
            units(c.claimed),
            if c.open { "open" } else { "closed" },
            if c.rated { ", rated" } else { "" }
        ));
    }
    out.result(json!({ "channels": list }));
    agent.close().await?;
    Ok(())
}

async fn open(a: OpenArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let agent = a.agent.agent().await?;
    let s = agent.service(a.service).await?;
    let funds = a
        .funds
        .unwrap_or(s.price.saturating_mul(Balance::from(a.calls)));
    let now = agent
        .client()
        .chain()
        .now()
        .await
        .map_err(AgentError::from)?;
    let expiry = now.saturating_add(a.days.saturating_mul(86_400_000));
    if !a.execute {
        let c = agent.client();
        let quote = c
            .dry_run(
                &agent.account(),
                c.escrow().open_channel_with_terms(
                    s.id,
                    crate::agent::signer_of(&agent.vouchers),
                    funds,
                    expiry,
                    &s.payee,
                    s.price,
                ),
            )
            .await
            .map_err(AgentError::from)?;
        out.say(&format!(
            "dry run (nothing submitted; -x to open): a channel of {} to #{} {} until {} would be channel {} ({} ref_time, storage deposit {})",
            units(funds), s.id, s.name, expiry, quote.value, quote.cost.ref_time, quote.cost.storage_deposit
        ));
        out.result(json!({ "dry_run": true, "service_id": s.id, "funds": funds.to_string(), "expiry": expiry, "channel_id": quote.value }));
        return Ok(());
    }
    out.progress(&format!(
        "opening a channel of {} to #{}…",
        units(funds),
        s.id
    ));
    let id = agent.open_channel(&s, funds, expiry).await?;
    out.say(&format!(
        "opened channel {id}: {} to #{} {} until {expiry}",
        units(funds),
        s.id,
        s.name
    ));
    out.result(json!({ "dry_run": false, "channel_id": id, "service_id": s.id, "funds": funds.to_string(), "expiry": expiry }));
    agent.close().await?;
    Ok(())
}

async fn fund(a: FundArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let agent = a.agent.agent().await?;
    if !agent.channels().iter().any(|c| c.channel_id == a.channel) {
        agent.sync_channels().await?;
    }
    if !agent
        .channels()
        .iter()
        .any(|c| c.channel_id == a.channel && c.open)
    {
        return Err(AgentError::NoChannel(a.channel).into());
    }
    if !a.execute {
        out.say(&format!(
            "dry run (nothing submitted; -x to fund): would deposit {} and add it to channel {}",
            units(a.amount),
            a.channel
        ));
        out.result(
            json!({ "dry_run": true, "channel_id": a.channel, "amount": a.amount.to_string() }),
        );
        return Ok(());
    }
    out.progress(&format!("1/2 depositing {}…", units(a.amount)));
    out.progress(&format!("2/2 adding it to channel {}…", a.channel));
    agent.top_up(a.channel, a.amount).await?;
    let c = agent
        .channels()
        .into_iter()
        .find(|c| c.channel_id == a.channel);
    out.say(&format!(
        "channel {} now holds {}",
        a.channel,
        units(c.as_ref().map_or(0, |c| c.funds))
    ));
    out.result(json!({ "dry_run": false, "channel": c }));
    agent.close().await?;
    Ok(())
}

fn read_data(data: &str) -> anyhow::Result<Vec<u8>> {
    match data.strip_prefix('@') {
        Some("-") => {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)?;
            Ok(v)
        }
        Some(path) => std::fs::read(path).with_context(|| format!("--data @{path}")),
        None => Ok(data.as_bytes().to_vec()),
    }
}

async fn call(a: CallArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let body = read_data(&a.data)?;
    let agent = a.agent.agent().await?;
    let s = agent.service(a.service).await?;
    let method =
        reqwest::Method::from_bytes(a.method.as_bytes()).map_err(|e| anyhow!("--method: {e}"))?;
    let mut req = CallRequest::post(a.path.clone(), body);
    req.method = method;
    for h in &a.headers {
        let (n, v) = h
            .split_once(':')
            .ok_or_else(|| anyhow!("--header `{h}`: expected `Name: value`"))?;
        req = req.header(n.trim(), v.trim());
    }
    out.progress(&format!(
        "calling #{} {} at {} ({} per call)…",
        s.id,
        s.name,
        s.endpoint,
        units(s.price)
    ));
    let result = agent.call(&s, req).await;
    let closed = agent.close().await;
    let paid = result?;
    closed?;
    let status = paid.response.status().as_u16();
    let receipt = paid.view();
    let bytes = paid
        .response
        .bytes()
        .await
        .map_err(|e| anyhow!("reading the response: {e}"))?;
    if out.json {
        let text = String::from_utf8(bytes.to_vec()).ok();
        out.result(json!({ "status": status, "body": text, "receipt": receipt }));
    } else {
        use std::io::Write as _;
        std::io::stdout()
            .write_all(&bytes)
            .map_err(anyhow::Error::from)?;
        eprintln!(
            "\nreceipt: HTTP {status}, charged {} on channel {} (voucher {}, spent {}, {} left){}",
            units(receipt.charged),
            receipt.channel_id,
            units(receipt.voucher_amount),
            units(receipt.spent),
            units(receipt.remaining),
            if receipt.replayed { ", replayed" } else { "" }
        );
    }
    Ok(())
}

async fn rate(a: RateArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let rating = match (a.stars, a.quality) {
        (Some(s), _) => Rating::Stars(s),
        (None, Some(q)) => Rating::Quality(q),
        (None, None) => return Err(anyhow!("pass --stars or --quality").into()),
    };
    let agent = a.agent.agent().await?;
    if !a.execute {
        out.say(&format!(
            "dry run (nothing submitted; -x to rate): would give service {} {} star(s)",
            a.service,
            rating.stars()
        ));
        out.result(json!({ "dry_run": true, "service_id": a.service, "stars": rating.stars() }));
        return Ok(());
    }
    let rated = agent.rate(a.service, rating).await?;
    out.say(&format!(
        "rated service {} {} star(s) through channel {}",
        rated.service_id, rated.stars, rated.channel_id
    ));
    out.result(json!({ "dry_run": false, "rated": rated }));
    agent.close().await?;
    Ok(())
}

async fn refund(a: RefundArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let agent = a.agent.agent().await?;
    out.progress("reading the account's channels from escrow…");
    agent.sync_channels().await?;
    let now = agent
        .client()
        .chain()
        .now()
        .await
        .map_err(AgentError::from)?;
    let due: Vec<_> = agent
        .channels()
        .into_iter()
        .filter(|c| c.open && c.expiry <= now && c.funds > c.claimed)
        .collect();
    if !a.execute {
        out.say(&format!(
            "dry run (nothing submitted; -x to refund): {} expired channel(s) to refund",
            due.len()
        ));
        for c in &due {
            out.say(&format!(
                "  channel {}: up to {}",
                c.channel_id,
                units(c.funds - c.claimed)
            ));
        }
        out.result(json!({ "dry_run": true, "channels": due }));
        return Ok(());
    }
    let refunded = agent.refund_expired().await?;
    for r in &refunded {
        out.say(&format!(
            "refunded {} from channel {}",
            units(r.amount),
            r.channel_id
        ));
    }
    let mut withdrawn = 0;
    if a.withdraw {
        let b = agent.balances().await?;
        if b.escrow > 0 {
            agent.withdraw(b.escrow).await?;
            withdrawn = b.escrow;
            out.say(&format!(
                "withdrew {} from escrow to {}",
                units(withdrawn),
                b.account
            ));
        }
    }
    out.result(
        json!({ "dry_run": false, "refunded": refunded, "withdrawn": withdrawn.to_string() }),
    );
    agent.close().await?;
    Ok(())
}

async fn balance(a: BalanceArgs) -> Result<(), Failure> {
    let out = Out {
        json: a.agent.output_json,
    };
    let agent = a.agent.agent().await?;
    let b = agent.balances().await?;
    out.say(&format!("account {}", b.account));
    out.say(&format!("  free                   {}", units(b.free)));
    out.say(&format!("  escrow balance         {}", units(b.escrow)));
    out.say(&format!(
        "  available in channels  {}",
        units(b.available_in_channels)
    ));
    out.say(&format!(
        "  spent (this store)     {}",
        units(b.spend.total)
    ));
    out.result(json!({ "balances": b }));
    agent.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_as_plancks_or_units() {
        assert_eq!(parse_amount("15"), Ok(15));
        assert_eq!(parse_amount("1U"), Ok(10_000_000_000));
        assert_eq!(parse_amount("1.5U"), Ok(15_000_000_000));
        assert_eq!(parse_amount("0.0000000001U"), Ok(1));
        assert!(parse_amount("0.00000000001U").is_err());
        assert!(parse_amount("U").is_err());
        assert!(parse_amount("abc").unwrap_err().contains("not an amount"));
    }

    #[test]
    fn budget_options_make_the_policy() {
        let o = BudgetOpts {
            max_price: Some(5),
            budget_per_hour: Some(100),
            budget_per_day: Some(1000),
            ..Default::default()
        };
        let p = o.policy();
        assert_eq!(p.max_price_per_call, Some(5));
        assert_eq!(p.windows.len(), 2);
        assert_eq!(p.windows[1].window_ms, 86_400_000);
    }

    #[test]
    fn units_print_two_decimals() {
        assert_eq!(units(15_000_000_000), "1.50 U");
        assert_eq!(units(0), "0.00 U");
    }
}
