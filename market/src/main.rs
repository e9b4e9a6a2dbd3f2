//! `gb-market`: the README's main command — real AI services behind real gateways,
//! paying agents that rate by measured accuracy, an ensemble agent; on the in-process
//! chain by default, on a node with `--url`.
//!
//! Exit codes: 0 the run finished and its books balance; 1 the run failed; 2 bad
//! arguments; 3 the run finished but a books check failed.

use anyhow::Context as _;
use clap::Parser;
use gb_cli_common::ChainOpts;
use gb_market::run::{run, RunConfig};
use std::sync::Arc;
use std::time::Instant;

/// Runs the Global Brain market: providers each serve a real model (trained at
/// start-up on smartcore's bundled datasets) behind their own gateway; agents
/// discover them by tag, pay per call, measure the answers against held-out labels
/// and rate with that measured quality; an ensemble agent buys from the best-ranked
/// services and sells their majority vote.
#[derive(Parser, Debug)]
#[command(name = "gb-market", version)]
struct Cli {
    #[command(flatten)]
    chain: ChainOpts,
    /// The short run of the test command (fewer rounds and calls).
    #[arg(long)]
    quick: bool,
    /// The seed of the data splits, the models and the agents' choices.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Rounds (default: 5 with --quick, else 10).
    #[arg(long)]
    rounds: Option<u32>,
    /// Print the results as JSON only (no narration, no tables).
    #[arg(long)]
    output_json: bool,
    /// Also write the convergence charts (SVG: each market's share of calls and
    /// ranking score per round) into this directory.
    #[arg(long, value_name = "DIR")]
    plot: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match main_inner(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

async fn main_inner(cli: Cli) -> anyhow::Result<i32> {
    let mut cfg = if cli.quick {
        RunConfig::quick(cli.seed)
    } else {
        RunConfig::full(cli.seed)
    };
    if let Some(r) = cli.rounds {
        cfg.rounds = r;
    }
    cfg.narrate = !cli.output_json;
    let connected = cli
        .chain
        .connect()
        .await
        .context("connecting to the chain")?;
    let chain: Arc<dyn gb_chain::Chain> = Arc::from(connected.chain);
    let started = Instant::now();
    let results = run(chain, connected.signer, cfg).await?;
    let elapsed = started.elapsed();
    if cli.output_json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        print!("{}", results.tables());
        println!("\nfinished in {:.1} s", elapsed.as_secs_f64());
    }
    if let Some(dir) = &cli.plot {
        let written = gb_market::plots::write_plots(dir, &results)
            .with_context(|| format!("writing the charts into {}", dir.display()))?;
        if !cli.output_json {
            println!(
                "charts: {}",
                written
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let ok = results.books.balanced
        && results
            .books
            .services
            .iter()
            .all(|s| s.every_call_paid && s.everything_claimed);
    Ok(if ok { 0 } else { 3 })
}
