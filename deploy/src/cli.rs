//! The `gb-deploy` command line, in the style of cargo-contract and pop-cli: clap
//! subcommands sharing the chain options (`--url`, `--suri`/`GB_SURI`), a dry run by
//! default with `-x/--execute` to submit, and `--output-json` on every command.
//!
//! Exit codes: 0 success; 1 the command failed (unreachable node, funds, a contract
//! refused, the books do not balance…); 2 the command line is wrong (clap);
//! 3 `verify` found a deployment that does not match its file.

use crate::bundle::{self, Bundles, ESCROW_ECDSA};
use crate::connect::{ChainOpts, Runtime};
use crate::demo::{Demo, DemoError, Step};
use crate::suite::{self, DeployError, Options};
use gb_chain::{AccountId, Chain};
use gb_client::{Client, Deployment, DeploymentError};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Deploy, verify and demo the Global Brain contract suite.
#[derive(clap::Parser, Debug)]
#[command(name = "gb-deploy", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Deploys registry, reputation and escrow and wires them (a dry run unless -x).
    Deploy(DeployArgs),
    /// Checks a deployment file against the chain: code hashes and wiring (completes
    /// missing wiring with -x).
    Verify(VerifyArgs),
    /// Deploys (or reuses the deployment in --deployment) and runs the marketplace
    /// workflow: register, discover, pay with vouchers, batch-claim, rate, re-rank,
    /// refund, and the books.
    Demo(DemoArgs),
}

/// Options every command shares besides the chain.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CommonOpts {
    /// Where the .contract bundles are (<dir>/<name>/<name>.contract; default
    /// $GB_BUNDLES_DIR, else $CARGO_TARGET_DIR/ink).
    #[arg(long, value_name = "DIR")]
    pub bundles: Option<PathBuf>,
    /// Print the result as JSON on stdout (narration and progress go away).
    #[arg(long)]
    pub output_json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    pub chain: ChainOpts,
    #[command(flatten)]
    pub common: CommonOpts,
    /// Protocol fee on claims, in basis points (0..=1000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(0..=1000))]
    pub fee_bps: u16,
    /// Who may withdraw the protocol fees (SS58; default: the signer).
    #[arg(long, value_name = "ACCOUNT")]
    pub treasury: Option<AccountId>,
    /// Write the deployment file here (refused if it exists: use `verify`).
    #[arg(long, value_name = "PATH")]
    pub deployment: Option<PathBuf>,
    /// Submit the transactions (without it: a dry run that changes nothing).
    #[arg(short = 'x', long)]
    pub execute: bool,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub chain: ChainOpts,
    #[command(flatten)]
    pub common: CommonOpts,
    /// The deployment file to check.
    #[arg(long, value_name = "PATH")]
    pub deployment: PathBuf,
    /// Complete missing wiring (as the signer, who must own the contracts).
    #[arg(short = 'x', long)]
    pub execute: bool,
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub chain: ChainOpts,
    #[command(flatten)]
    pub common: CommonOpts,
    /// Protocol fee on claims, in basis points (0..=1000), for a fresh deployment.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(0..=1000))]
    pub fee_bps: u16,
    /// A deployment file: reused (verified first) if it exists, else written.
    #[arg(long, value_name = "PATH")]
    pub deployment: Option<PathBuf>,
}

/// Why a command failed; `exit_code` maps it to the process's exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Connect(#[from] crate::connect::ConnectError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    #[error(transparent)]
    Deploy(#[from] DeployError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Deployment(#[from] DeploymentError),
    #[error(transparent)]
    Client(#[from] gb_client::ClientError),
    #[error(transparent)]
    Chain(#[from] gb_chain::ChainError),
    #[error("the deployment file {path} already exists: check it with `gb-deploy verify --deployment {path}`, or pass another path", path = .0.display())]
    Exists(PathBuf),
    #[error("no deployment file at {}", .0.display())]
    NoFile(PathBuf),
    #[error(
        "the deployment file {} was written for chain {file} but {here} is chain {genesis}; \
         pass another --deployment path to deploy here", path.display()
    )]
    WrongChain {
        path: PathBuf,
        file: String,
        here: String,
        genesis: String,
    },
}

impl CliError {
    /// 3 for a deployment that does not match its file, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Deploy(
                DeployError::Missing { .. }
                | DeployError::CodeMismatch { .. }
                | DeployError::WrongWiring { .. },
            )
            | CliError::WrongChain { .. } => 3,
            _ => 1,
        }
    }
}

/// Where output goes: narration lines (human mode) or nothing until the final JSON.
pub struct Out {
    json: bool,
}

impl Out {
    pub fn say(&self, line: &str) {
        if !self.json {
            println!("{line}");
        }
    }

    /// Prints the command's result: the JSON document, or nothing more in human mode.
    pub fn result(&self, value: serde_json::Value) {
        if self.json {
            // Serializing a `Value` cannot fail.
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
    }
}

impl Cli {
    /// Runs the command.
    pub async fn run(self) -> Result<(), CliError> {
        match self.command {
            Command::Deploy(a) => deploy(a).await,
            Command::Verify(a) => verify(a).await,
            Command::Demo(a) => demo(a).await,
        }
    }
}

fn bundles(common: &CommonOpts) -> Result<Bundles, CliError> {
    let dir = common.bundles.clone().unwrap_or_else(bundle::default_dir);
    Ok(Bundles::load(&dir)?)
}

fn where_(chain: &dyn Chain) -> String {
    let info = chain.info();
    match info.url {
        Some(url) => format!("the node at {url}"),
        None => "the in-process chain".into(),
    }
}

/// The deployment in `path`, checked to be for this chain.
fn read_for(path: &Path, chain: &dyn Chain) -> Result<Option<Deployment>, CliError> {
    let Some(d) = Deployment::read(path)? else {
        return Ok(None);
    };
    let genesis = chain.info().genesis_hash;
    if d.chain.genesis_hash != genesis {
        return Err(CliError::WrongChain {
            path: path.into(),
            file: d.chain.genesis_hash,
            here: where_(chain),
            genesis,
        });
    }
    Ok(Some(d))
}

async fn deploy(a: DeployArgs) -> Result<(), CliError> {
    let out = Out {
        json: a.common.output_json,
    };
    let bundles = bundles(&a.common)?;
    if let Some(path) = &a.deployment {
        if path.exists() {
            return Err(CliError::Exists(path.clone()));
        }
    }
    let c = a.chain.connect().await?;
    let who = c.signer.account_id();
    let opts = Options {
        fee_bps: a.fee_bps,
        treasury: a.treasury.clone().unwrap_or_else(|| who.clone()),
        salt: c.chain.now().await?.to_le_bytes().to_vec(),
    };
    if !a.execute {
        let plan = suite::plan(&c.chain, &bundles, &who, &opts).await?;
        out.say(&format!(
            "dry run on {} (nothing submitted; -x to deploy):",
            where_(&*c.chain)
        ));
        for p in &plan {
            out.say(&format!(
                "  {:<10} would be at {} (code {}): {} ref_time, {} proof_size, storage deposit {}",
                p.name,
                p.address,
                p.code_hash,
                p.cost.ref_time,
                p.cost.proof_size,
                p.cost.storage_deposit
            ));
        }
        out.say("  then 3 wiring calls: registry.set_reputation, reputation.set_escrow, escrow.set_reputation");
        out.result(
            json!({ "dry_run": true, "chain": c.chain.info(), "deployer": who,
            "fee_bps": opts.fee_bps, "treasury": opts.treasury, "contracts": plan }),
        );
        return Ok(());
    }
    let d = suite::deploy(&c.chain, &bundles, &c.signer, &opts).await?;
    let escrow_bundle = bundles
        .escrows()
        .find(|b| b.code_hash() == d.contracts.escrow.code_hash)
        .map_or("escrow", |b| b.name);
    out.say(&format!(
        "deployed and wired on {}: registry {}, reputation {}, escrow {} (bundle {escrow_bundle}; fee {} bps)",
        where_(&*c.chain),
        d.registry(),
        d.reputation(),
        d.escrow(),
        d.fee_bps
    ));
    if escrow_bundle == ESCROW_ECDSA {
        out.say("  this chain refused escrow's code (no sr25519_verify): escrow-ecdsa takes ecdsa voucher keys only (docs/production.md)");
    }
    if let Some(path) = &a.deployment {
        d.write(path)?;
        out.say(&format!("deployment file written to {}", path.display()));
    }
    out.result(
        json!({ "dry_run": false, "deployment": d, "escrow_bundle": escrow_bundle,
        "written_to": a.deployment.as_ref().map(|p| p.display().to_string()) }),
    );
    Ok(())
}

async fn verify(a: VerifyArgs) -> Result<(), CliError> {
    let out = Out {
        json: a.common.output_json,
    };
    let bundles = bundles(&a.common)?;
    let c = a.chain.connect().await?;
    let d = read_for(&a.deployment, &*c.chain)?
        .ok_or_else(|| CliError::NoFile(a.deployment.clone()))?;
    let client = Client::new(c.chain, d);
    let v = suite::verify(&client, &bundles, &c.signer, a.execute).await?;
    out.say(&format!(
        "{}: the three contracts run the bundles' code",
        a.deployment.display()
    ));
    if v.wiring.complete() {
        out.say("wiring complete: registry → reputation, reputation → escrow, escrow → reputation");
    } else if v.completed {
        out.say("wiring was incomplete and is now complete");
    } else {
        out.say("wiring incomplete (run with -x to complete it as the contracts' owner)");
    }
    out.result(json!({ "deployment": client.deployment(), "verified": v }));
    Ok(())
}

async fn demo(a: DemoArgs) -> Result<(), CliError> {
    let out = Out {
        json: a.common.output_json,
    };
    let bundles = bundles(&a.common)?;
    let c = a.chain.connect().await?;
    let info = c.chain.info();
    match &info.url {
        None => out.say(&format!(
            "Global Brain demo on an in-process chain (drink sandbox{})\n",
            match a.chain.runtime {
                Runtime::Dev => "",
                Runtime::Production => ", production-like runtime",
            }
        )),
        Some(url) => out.say(&format!(
            "Global Brain demo on {url} (genesis {}), deployer {}\n",
            info.genesis_hash,
            c.signer.account_id()
        )),
    }
    let existing = match &a.deployment {
        Some(path) => read_for(path, &*c.chain)?,
        None => None,
    };
    let reused = existing.is_some();
    let deployment = match existing {
        Some(d) => {
            out.say("reusing the deployment in the deployment file (verifying code and wiring)");
            let client = Client::new(&*c.chain, d);
            suite::verify(&client, &bundles, &c.signer, true).await?;
            client.deployment().clone()
        }
        None => {
            let opts = Options {
                fee_bps: a.fee_bps,
                treasury: crate::actors::Who::dev("Ferdie").account(),
                salt: c.chain.now().await?.to_le_bytes().to_vec(),
            };
            suite::deploy(&c.chain, &bundles, &c.signer, &opts).await?
        }
    };
    if let Some(path) = &a.deployment {
        if reused {
            out.say(&format!(
                "deployment in {} verified: code and wiring as listed\n",
                path.display()
            ));
        } else {
            deployment.write(path)?;
            out.say(&format!("deployment file written to {}\n", path.display()));
        }
    }
    let client = Client::new(c.chain, deployment);
    let mut demo = Demo::new(client, &c.signer, 4).await?;
    let steps: Vec<Step> = demo
        .run(|s| {
            for line in &s.lines {
                out.say(line);
            }
        })
        .await?;
    out.result(json!({ "reused": reused, "deployment": demo.client.deployment(), "steps": steps }));
    Ok(())
}
