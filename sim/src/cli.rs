//! Command-line options and `--set key=value` overrides of the configuration.

use crate::config::Config;

/// Parsed command line.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seeds per (scenario, policy).
    pub seeds: usize,
    /// First seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Scenario names, or `all`.
    pub scenarios: Vec<String>,
    /// Output directory for CSV and SVG (nothing is written without it).
    pub out: Option<String>,
    /// Base configuration after `--calls`, `--set`, ….
    pub base: Config,
    /// `--sweep key=v1,v2,…`: vary one setting over the sweep scenarios.
    pub sweep: Option<(String, Vec<String>)>,
    /// `--dump POLICY`: print the final market of the first seed of each scenario.
    pub dump: Option<crate::config::Policy>,
}

/// Usage text.
pub const USAGE: &str = "\
gb-sim: agent-based market simulation of the Global Brain reputation formula

USAGE: gb-sim [OPTIONS]
  --seeds N            seeds per scenario and policy (default 30)
  --seed N             first seed (default 1)
  --calls N            honest calls per run (default 20000)
  --threads N          worker threads (default 2)
  --scenario LIST      comma-separated scenario names or 'all' (default all)
  --out DIR            write summary.csv, timeseries.csv and SVG plots to DIR
  --preset NAME        'contract' (default: the contract's rules and
                       Params::default(), which since 2026-11-25 include every
                       proposal of README \"Proposed changes\"); 'proposed' (the same,
                       kept as an alias); 'v0' (the contract before 2026-11-25)
  --set KEY=VALUE      override a setting (repeatable, after --preset); see below
  --sweep KEY=V1,V2..  run the sweep scenarios once per value and print a table
  --dump POLICY        print every service's final state (first seed) per scenario
  --help               this text

KEYS: sim: providers clients calls_per_day epsilon explore_newcomers(0/1)
  newcomer_n rate_prob star_noise fee_bps worth claim_every_h rate_delay_h expiry_h
  rules (0/1): rating_once_per_epoch (in the contract, default 1);
  not in the contract (default 0): failure_maturity settle_maturity
  params (amounts in multiples of U, the reference price): prior_rating_mass
  prior_success prior_failure settle_cap failure_cap rating_cap epoch_rating_cap
  spend_ref; ppm: prior_mean min_maturity z; epochs: half_life_slow half_life_fast;
  ms: failure_lock_ref_ms (1 = every failure counts fully: the contract before M2)
";

/// The settings this simulation proposed (see README "Proposed changes"): scoring
/// parameters `z` = 0.5, `prior_rating_mass` = 10·U, `min_maturity` = 30 %,
/// `failure_cap` = 1·U, `spend_ref` = 50·U, and the contract rule "one rating per
/// (client, payee, epoch)". Adopted by the contract on 2026-11-25: these are now the
/// defaults, so applying them to a default configuration changes nothing.
pub const PROPOSED: [&str; 6] = [
    "z=500000",
    "prior_rating_mass=10",
    "min_maturity=300000",
    "failure_cap=1",
    "spend_ref=50",
    "rating_once_per_epoch=1",
];

/// The contract before 2026-11-25 (`--preset v0`): `z` = 1.0, `prior_rating_mass` =
/// 20·U, `min_maturity` = 10 %, `failure_cap` = 10·U, `spend_ref` = 20·U, and no
/// once-per-(client, payee, epoch) rule. The "contract" column of the README's results.
pub const V0: [&str; 11] = [
    "z=1000000",
    "prior_rating_mass=20",
    "min_maturity=100000",
    "failure_cap=10",
    "spend_ref=20",
    "rating_once_per_epoch=0",
    // The security review's H1 and M2 rules off (the contract had none of them). Its
    // M1 (per-channel success), M3 (pro-rata epoch cap) and spend decay cannot be
    // switched off: the preset approximates the v0 contract.
    "rater_cap=1000000000",
    "established_mass=0",
    "rating_price_calls=1000",
    "epoch_failure_cap=1000000000",
    // M2's lock weighting off: every failure counts fully, however short its lock.
    "failure_lock_ref_ms=1",
];

/// Applies `key=value` to `cfg`.
pub fn set(cfg: &mut Config, kv: &str) -> Result<(), String> {
    let (k, v) = kv
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got {kv:?}"))?;
    let f = || v.parse::<f64>().map_err(|e| format!("{k}: {e}"));
    let u = || v.parse::<u64>().map_err(|e| format!("{k}: {e}"));
    let unit = cfg.params.unit as f64;
    let amount = |x: f64| (x * unit).round() as u128;
    let ppm = || u32::try_from(u()?).map_err(|e| format!("{k}: {e}"));
    let p = &mut cfg.params;
    match k {
        "providers" => cfg.providers = u()? as usize,
        "clients" => cfg.clients = u()? as usize,
        "calls" => cfg.calls = u()? as usize,
        "calls_per_day" => cfg.calls_per_day = u()?,
        "epsilon" => cfg.epsilon = f()?,
        "explore_newcomers" => cfg.explore_newcomers = u()? != 0,
        "newcomer_n" => cfg.newcomer_n = u128::from(u()?),
        "rate_prob" => cfg.rate_prob = f()?,
        "star_noise" => cfg.star_noise = f()?,
        "fee_bps" => cfg.fee_bps = ppm()?,
        "self_voucher_calls" => cfg.self_voucher_calls = ppm()?,
        "worth" => cfg.worth = f()?,
        "claim_every_h" => cfg.claim_every_ms = (f()? * 3_600_000.0) as u64,
        "rate_delay_h" => cfg.rate_delay_ms = (f()? * 3_600_000.0) as u64,
        "expiry_h" => cfg.expiry_ms = (f()? * 3_600_000.0) as u64,
        "failure_maturity" => cfg.proposals.failure_maturity = u()? != 0,
        "rating_once_per_epoch" => cfg.proposals.rating_once_per_epoch = u()? != 0,
        "settle_maturity" => cfg.proposals.settle_maturity = u()? != 0,
        "prior_rating_mass" => p.prior_rating_mass = amount(f()?),
        "prior_success" => p.prior_success = amount(f()?),
        "prior_failure" => p.prior_failure = amount(f()?),
        "settle_cap" => p.settle_cap = amount(f()?),
        "failure_cap" => p.failure_cap = amount(f()?),
        "rating_cap" => p.rating_cap = amount(f()?),
        "epoch_rating_cap" => p.epoch_rating_cap = amount(f()?),
        "spend_ref" => p.spend_ref = amount(f()?),
        "prior_mean" => p.prior_mean = ppm()?,
        "min_maturity" => p.min_maturity = ppm()?,
        "z" => p.z = ppm()?,
        "half_life_slow" => p.half_life_slow = ppm()?,
        "half_life_fast" => p.half_life_fast = ppm()?,
        "rating_price_calls" => p.rating_price_calls = ppm()?,
        "established_mass" => p.established_mass = amount(f()?),
        "epoch_failure_cap" => p.epoch_failure_cap = amount(f()?),
        "rater_cap" => p.rater_cap = amount(f()?),
        "failure_lock_ref_ms" => p.failure_lock_ref = u()?,
        _ => return Err(format!("unknown key {k:?}")),
    }
    Ok(())
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seeds: 30,
        seed: 1,
        threads: 2,
        scenarios: vec!["all".into()],
        out: None,
        base: Config::base("base"),
        sweep: None,
        dump: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        let num = |s: String| s.parse::<u64>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--seeds" => o.seeds = num(val()?)? as usize,
            "--seed" => o.seed = num(val()?)?,
            "--calls" => o.base.calls = num(val()?)? as usize,
            "--threads" => o.threads = num(val()?)? as usize,
            "--scenario" => o.scenarios = val()?.split(',').map(str::to_string).collect(),
            "--out" => o.out = Some(val()?),
            "--set" => set(&mut o.base, &val()?)?,
            "--preset" => match val()?.as_str() {
                "contract" => {}
                "proposed" => {
                    for kv in PROPOSED {
                        set(&mut o.base, kv)?;
                    }
                }
                "v0" => {
                    for kv in V0 {
                        set(&mut o.base, kv)?;
                    }
                }
                p => return Err(format!("unknown preset {p:?} (contract, proposed, v0)")),
            },
            "--sweep" => {
                let v = val()?;
                let (k, vs) = v
                    .split_once('=')
                    .ok_or_else(|| "--sweep needs KEY=V1,V2,…".to_string())?;
                o.sweep = Some((k.to_string(), vs.split(',').map(str::to_string).collect()));
            }
            "--dump" => {
                let p = val()?;
                o.dump =
                    Some(crate::config::Policy::parse(&p).ok_or(format!("unknown policy {p:?}"))?);
            }
            "--help" | "-h" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown option {a:?}\n\n{USAGE}")),
        }
    }
    if o.seeds == 0 {
        return Err("--seeds must be ≥ 1".into());
    }
    o.base.validate()?;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_options_and_overrides() {
        let o = parse(&args(
            "--seeds 3 --calls 500 --scenario honest,milker --set z=1645000 --set spend_ref=5 --out x",
        ))
        .unwrap();
        assert_eq!(o.seeds, 3);
        assert_eq!(o.base.calls, 500);
        assert_eq!(o.scenarios, vec!["honest", "milker"]);
        assert_eq!(o.base.params.z, 1_645_000);
        assert_eq!(o.base.params.spend_ref, 5 * o.base.params.unit);
        assert_eq!(o.out.as_deref(), Some("x"));
        let s = parse(&args("--sweep z=0,1000000")).unwrap();
        assert_eq!(
            s.sweep,
            Some(("z".into(), vec!["0".into(), "1000000".into()]))
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(&args("--seeds")).is_err());
        assert!(parse(&args("--bogus")).is_err());
        assert!(parse(&args("--set nope=1")).is_err());
        assert!(parse(&args("--set z")).is_err());
        assert!(parse(&args("--seeds 0")).is_err());
        // Out of the scoring crate's bounds: refused by Params::validate.
        assert!(parse(&args("--set half_life_fast=0")).is_err());
        assert!(parse(&args("--help")).is_err());
        assert!(parse(&args("--preset nope")).is_err());
        let p = parse(&args("--preset proposed")).unwrap();
        assert_eq!(p.base.params.z, 500_000);
        assert!(p.base.proposals.rating_once_per_epoch);
        // Adopted: the proposals are the contract's defaults now.
        let c = parse(&args("--preset contract")).unwrap();
        assert_eq!(c.base.params, p.base.params);
        assert_eq!(c.base.proposals, p.base.proposals);
        let v0 = parse(&args("--preset v0")).unwrap();
        assert_eq!(v0.base.params.z, 1_000_000);
        assert_eq!(v0.base.params.spend_ref, 20 * v0.base.params.unit);
        assert_eq!(v0.base.params.failure_cap, 10 * v0.base.params.unit);
        assert_eq!(v0.base.params.prior_rating_mass, 20 * v0.base.params.unit);
        assert_eq!(v0.base.params.min_maturity, 100_000);
        assert!(!v0.base.proposals.rating_once_per_epoch);
    }
}
