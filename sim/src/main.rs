//! `gb-sim` command line: runs the scenarios, prints the headline table and the
//! research §4 target check, writes CSV and SVG with `--out`, or sweeps one setting.

use gb_sim::cli::{self, Options};
use gb_sim::config::Policy;
use gb_sim::experiment::{control_of, roi, run_scenario, scenario, Outcome, SCENARIOS};
use gb_sim::report;
use gb_sim::run::m;
use std::process::ExitCode;
use std::time::Instant;

/// Scenarios a sweep runs (formula only, plus controls for ROI).
const SWEEP_SCENARIOS: [&str; 9] = [
    "honest",
    "sybil20",
    "grief",
    "selfdeal10",
    "ring",
    "whitewash",
    "milker",
    "newcomer",
    "mixed30",
];

fn names(o: &Options) -> Result<Vec<String>, String> {
    if o.scenarios.iter().any(|s| s == "all") {
        return Ok(SCENARIOS.iter().map(|s| s.to_string()).collect());
    }
    for s in &o.scenarios {
        if !SCENARIOS.contains(&s.as_str()) {
            return Err(format!(
                "unknown scenario {s:?}; known: {}",
                SCENARIOS.join(", ")
            ));
        }
    }
    Ok(o.scenarios.clone())
}

fn main_run(o: &Options) -> Result<(), String> {
    let start = Instant::now();
    let mut outs: Vec<Outcome> = Vec::new();
    for name in names(o)? {
        let sc = scenario(&name, &o.base).ok_or(format!("unknown scenario {name}"))?;
        sc.cfg.validate()?;
        outs.extend(run_scenario(&sc, o.seeds, o.seed, o.threads));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "gb-sim: {} seeds × {} honest calls, {} runs in {:.1} s (means ± 95% CI half-width)\n",
        o.seeds,
        o.base.calls,
        outs.iter().map(|x| x.runs.len()).sum::<usize>(),
        secs
    );
    print!("{}", report::table(&outs));
    println!("\nResearch §4 targets (formula policy):");
    print!("{}", report::targets_table(&report::targets(&outs)));
    if let Some(dir) = &o.out {
        let files = report::write_all(std::path::Path::new(dir), &outs)
            .map_err(|e| format!("writing {dir}: {e}"))?;
        println!(
            "\nwrote {} files to {dir}: {}",
            files.len(),
            files.join(" ")
        );
    }
    Ok(())
}

fn main_sweep(o: &Options, key: &str, values: &[String]) -> Result<(), String> {
    let start = Instant::now();
    let cols: [(&str, &str, &str); 13] = [
        ("honest ρ@2000", "honest", m::RHO_2000),
        ("honest regret", "honest", m::REGRET),
        ("honest top10%", "honest", m::TOP_DECILE),
        ("sybil ρ@2000", "sybil20", m::RHO_2000),
        ("sybil top3", "sybil20", m::ATTACK_SUCCESS),
        ("grief ρ@end", "grief", m::RHO_END),
        ("sd10 top3", "selfdeal10", m::ATTACK_SUCCESS),
        ("ring top3", "ring", m::ATTACK_SUCCESS),
        ("wash malic.", "whitewash", m::MALICIOUS),
        ("milker days", "milker", m::MILKER_DAYS),
        ("newc calls", "newcomer", m::NEWCOMER_CALLS),
        ("newc reached", "newcomer", m::NEWCOMER_REACHED),
        ("mixed malic.", "mixed30", m::MALICIOUS),
    ];
    let mut csv = String::from("key,value,scenario,metric,mean,lo,hi,n\n");
    let mut header: Vec<String> = vec![key.to_string()];
    header.extend(cols.iter().map(|c| c.0.to_string()));
    header.extend(["sd10 ROI".to_string(), "ring ROI".to_string()]);
    println!("{}", header.join(" | "));
    for v in values {
        let mut base = o.base.clone();
        cli::set(&mut base, &format!("{key}={v}"))?;
        base.validate()?;
        let mut outs = Vec::new();
        for name in SWEEP_SCENARIOS {
            let names = names(o)?;
            if !o.scenarios.iter().any(|s| s == "all") && !names.iter().any(|n| n == name) {
                continue;
            }
            let mut sc = scenario(name, &base).ok_or("scenario")?;
            sc.policies = vec![Policy::Formula];
            outs.extend(run_scenario(&sc, o.seeds, o.seed, o.threads));
        }
        let get = |sc: &str| {
            outs.iter()
                .find(|x| x.scenario == sc && !x.control && x.policy == Policy::Formula)
        };
        let mut row = vec![v.clone()];
        for (_, sc, metric) in cols {
            let s = get(sc).map(|x| x.summary(metric)).unwrap_or_default();
            row.push(if s.n == 0 {
                "-".into()
            } else {
                format!("{:.3}±{:.3}", s.mean, s.half_width())
            });
            csv.push_str(&format!(
                "{key},{v},{sc},{metric},{:.6},{:.6},{:.6},{}\n",
                s.mean, s.lo, s.hi, s.n
            ));
        }
        for sc in ["selfdeal10", "ring"] {
            let s = get(sc)
                .and_then(|x| control_of(&outs, x).map(|c| roi(x, c)))
                .unwrap_or_default();
            row.push(if s.n == 0 {
                "-".into()
            } else {
                format!("{:.2}±{:.2}", s.mean, s.half_width())
            });
            csv.push_str(&format!(
                "{key},{v},{sc},attacker_roi,{:.6},{:.6},{:.6},{}\n",
                s.mean, s.lo, s.hi, s.n
            ));
        }
        println!("{}", row.join(" | "));
    }
    println!(
        "\n({} seeds, {:.1} s)",
        o.seeds,
        start.elapsed().as_secs_f64()
    );
    if let Some(dir) = &o.out {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let path = std::path::Path::new(dir).join(format!("sweep_{key}.csv"));
        std::fs::write(&path, csv).map_err(|e| e.to_string())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn main_dump(o: &Options, policy: Policy) -> Result<(), String> {
    for name in names(o)? {
        let mut sc = scenario(&name, &o.base).ok_or(format!("unknown scenario {name}"))?;
        sc.cfg.policy = policy;
        let (_, market) = gb_sim::run::run_market(&sc.cfg, o.seed);
        println!("== {name} / {} / seed {}", policy.name(), o.seed);
        print!("{}", report::dump(&market));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = cli::parse(&args).and_then(|o| match &o.sweep {
        Some((k, vs)) => main_sweep(&o, k, vs),
        None => match o.dump {
            Some(p) => main_dump(&o, p),
            None => main_run(&o),
        },
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
