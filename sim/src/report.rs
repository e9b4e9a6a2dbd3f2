//! Output: the terminal table, the research §4 target check, CSV files and SVG plots.

use crate::config::Policy;
use crate::experiment::{control_of, roi, Outcome, SERIES};
use crate::run::m;
use crate::stats::Summary;
use gb_charts::{Chart, Series};
use std::fmt::Write as _;
use std::path::Path;

/// `mean±half-width` with `d` decimals, `-` when there is no data.
fn cell(s: Summary, d: usize) -> String {
    if s.n == 0 || !s.mean.is_finite() {
        "-".into()
    } else if s.n == 1 || !s.half_width().is_finite() {
        format!("{:.*}", d, s.mean)
    } else {
        format!("{:.*}±{:.*}", d, s.mean, d, s.half_width())
    }
}

/// Columns of the headline table: (header, metric, decimals).
const COLUMNS: [(&str, &str, usize); 10] = [
    ("ρ@2000", m::RHO_2000, 2),
    ("ρ@end", m::RHO_END, 2),
    ("P@5 end", m::P5_END, 2),
    ("top10%", m::TOP_DECILE, 2),
    ("regret", m::REGRET, 3),
    ("malicious", m::MALICIOUS, 3),
    ("atk top3", m::ATTACK_SUCCESS, 2),
    ("milker d", m::MILKER_DAYS, 2),
    ("milker dmg", m::MILKER_DAMAGE, 2),
    ("newc calls", m::NEWCOMER_CALLS, 0),
];

/// The headline table (one row per scenario × policy; control runs omitted), with
/// the attacker ROI column where a control exists.
pub fn table(outs: &[Outcome]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["scenario".to_string(), "policy".to_string()];
    header.extend(COLUMNS.iter().map(|c| c.0.to_string()));
    header.push("ROI".into());
    rows.push(header);
    for o in outs.iter().filter(|o| !o.control) {
        let mut r = vec![o.scenario.clone(), o.policy.name().to_string()];
        r.extend(COLUMNS.iter().map(|&(_, name, d)| cell(o.summary(name), d)));
        r.push(control_of(outs, o).map_or("-".into(), |c| cell(roi(o, c), 2)));
        rows.push(r);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (k, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w - c.chars().count();
                if i < 2 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  "));
        if k == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            let _ = writeln!(out, "{}", "-".repeat(total));
        }
    }
    out
}

/// One research §4 target and what was measured.
#[derive(Clone, Debug)]
pub struct TargetCheck {
    /// The target as written in the research notes.
    pub target: String,
    /// Where it was measured (scenario/policy/metric).
    pub source: String,
    /// Measured mean and interval.
    pub measured: Summary,
    /// Whether the mean meets the target (None: not measured in this run).
    pub met: Option<bool>,
}

fn find<'a>(outs: &'a [Outcome], scenario: &str, policy: Policy) -> Option<&'a Outcome> {
    outs.iter()
        .find(|o| o.scenario == scenario && o.policy == policy && !o.control)
}

/// Checks the research §4 targets against the formula's outcomes.
pub fn targets(outs: &[Outcome]) -> Vec<TargetCheck> {
    let f = Policy::Formula;
    let mut v = Vec::new();
    let mut check = |target: &str, scenario: &str, metric: &str, ok: &dyn Fn(f64) -> bool| {
        let s = find(outs, scenario, f).map(|o| o.summary(metric));
        v.push(TargetCheck {
            target: target.into(),
            source: format!("{scenario}/{metric}"),
            measured: s.unwrap_or_default(),
            met: s.filter(|s| s.n > 0).map(|s| ok(s.mean)),
        });
    };
    check(
        "Spearman honest-only N=20 @2000 ≥ 0.9",
        "honest",
        m::RHO_2000,
        &|x| x >= 0.9,
    );
    check(
        "Spearman with 20% sybil clients ≥ 0.8",
        "sybil20",
        m::RHO_2000,
        &|x| x >= 0.8,
    );
    check(
        "Top-decile spend share ≥ 50%",
        "honest",
        m::TOP_DECILE,
        &|x| x >= 0.5,
    );
    check(
        "Regret after 2000 calls ≤ 10%",
        "honest",
        m::REGRET,
        &|x| x <= 0.10,
    );
    for sc in [
        "sybil20",
        "selfdeal1",
        "selfdeal5",
        "selfdeal10",
        "selfdeal10-socks",
        "ring",
    ] {
        check(
            "Attack success ≤ 5% of runs (budget ≤ 10%, f = 2%)",
            sc,
            m::ATTACK_SUCCESS,
            &|x| x <= 0.05,
        );
    }
    check(
        "Milker detected ≤ 3 days",
        "milker",
        m::MILKER_DAYS,
        &|x| x <= 3.0,
    );
    check(
        "Good newcomer reaches top 5 ≤ 200 calls",
        "newcomer",
        m::NEWCOMER_CALLS,
        &|x| x <= 200.0,
    );
    check(
        "Malicious-served share with 30% bad ≤ 10%",
        "mixed30",
        m::MALICIOUS,
        &|x| x <= 0.10,
    );
    for sc in ["selfdeal1", "selfdeal5", "selfdeal10", "selfdeal10-socks"] {
        let r = find(outs, sc, f).and_then(|o| control_of(outs, o).map(|c| roi(o, c)));
        v.push(TargetCheck {
            target: "Self-dealing ROI < 0".into(),
            source: format!("{sc}/ROI"),
            measured: r.unwrap_or_default(),
            met: r.filter(|s| s.n > 0).map(|s| s.mean < 0.0),
        });
    }
    v
}

/// The target table as text.
pub fn targets_table(checks: &[TargetCheck]) -> String {
    let mut out = String::new();
    for c in checks {
        let status = match c.met {
            Some(true) => "MET",
            Some(false) => "NOT MET",
            None => "not run",
        };
        let m = if c.measured.n == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.3} [{:.3}, {:.3}] (n={})",
                c.measured.mean, c.measured.lo, c.measured.hi, c.measured.n
            )
        };
        let _ = writeln!(
            out,
            "{:<52} {:<34} {:<36} {}",
            c.target, c.source, m, status
        );
    }
    out
}

/// `summary.csv`: scenario, policy, control, metric, mean, lo, hi, n.
pub fn summary_csv(outs: &[Outcome]) -> String {
    let mut s = String::from("scenario,policy,control,metric,mean,lo,hi,n\n");
    for o in outs {
        let Some(first) = o.runs.first() else {
            continue;
        };
        let mut names: Vec<&str> = first.scalars.iter().map(|(n, _)| *n).collect();
        let roi_s = control_of(outs, o).map(|c| roi(o, c));
        if roi_s.is_some() {
            names.push("attacker_roi");
        }
        for name in names {
            let x = if name == "attacker_roi" {
                roi_s.unwrap_or_default()
            } else {
                o.summary(name)
            };
            let _ = writeln!(
                s,
                "{},{},{},{},{:.5},{:.5},{:.5},{}",
                o.scenario,
                o.policy.name(),
                o.control,
                name,
                x.mean,
                x.lo,
                x.hi,
                x.n
            );
        }
    }
    s
}

/// Resolution of `timeseries.csv` in honest calls (the plots use every sample).
pub const CSV_EVERY: usize = 1000;

/// `timeseries.csv`: scenario, policy, series, calls, mean, lo, hi (non-control runs),
/// every [`CSV_EVERY`] calls.
pub fn series_csv(outs: &[Outcome]) -> String {
    let mut s = String::from("scenario,policy,series,calls,mean,lo,hi\n");
    for o in outs.iter().filter(|o| !o.control) {
        for name in SERIES {
            for (calls, x) in o
                .series(name)
                .into_iter()
                .filter(|(c, _)| c % CSV_EVERY == 0)
            {
                let _ = writeln!(
                    s,
                    "{},{},{},{},{:.4},{:.4},{:.4}",
                    o.scenario,
                    o.policy.name(),
                    name,
                    calls,
                    x.mean,
                    x.lo,
                    x.hi
                );
            }
        }
    }
    s
}

fn line(o: &Outcome, series: &str, label: String) -> Series {
    Series {
        name: label,
        points: o
            .series(series)
            .into_iter()
            .map(|(c, x)| (c as f64, x.mean, x.lo, x.hi))
            .collect(),
    }
}

/// The charts: honest market by policy (Spearman, regret, precision@5, top-decile
/// share) and the formula across attack scenarios (Spearman, malicious share).
pub fn charts(outs: &[Outcome]) -> Vec<(String, Chart)> {
    let mut charts = Vec::new();
    let by_policy =
        |scenario: &str, series: &str, title: &str, y: &str, target: Option<(f64, String)>| {
            let lines: Vec<Series> = outs
                .iter()
                .filter(|o| o.scenario == scenario && !o.control)
                .map(|o| line(o, series, o.policy.name().to_string()))
                .collect();
            (!lines.is_empty()).then(|| Chart {
                title: title.into(),
                x_label: "honest calls".into(),
                y_label: y.into(),
                series: lines,
                target,
                y_range: None,
            })
        };
    let specs = [
        (
            "honest_spearman",
            "honest",
            crate::run::series::RHO,
            "Spearman(score, true quality), honest market N=20",
            "Spearman ρ",
            Some((0.9, "target 0.9 @2000".to_string())),
        ),
        (
            "honest_regret",
            "honest",
            crate::run::series::REGRET,
            "Regret per call / oracle utility (window), N=20",
            "regret share",
            Some((0.10, "target 10%".to_string())),
        ),
        (
            "honest_precision5",
            "honest",
            crate::run::series::P5,
            "Precision@5 vs the oracle's top 5, N=20",
            "precision@5",
            None,
        ),
        (
            "honest_top_decile",
            "honest",
            crate::run::series::TOP_DECILE,
            "Cumulative spend share of the top decile, N=20",
            "share",
            Some((0.5, "target 50%".to_string())),
        ),
        (
            "honest50_spearman",
            "honest-n50",
            crate::run::series::RHO,
            "Spearman(score, true quality), honest market N=50",
            "Spearman ρ",
            None,
        ),
        (
            "milker_malicious",
            "milker",
            crate::run::series::MALICIOUS,
            "Share of calls to the milker after its switch at T/2",
            "malicious share (window)",
            None,
        ),
        (
            "mixed30_malicious",
            "mixed30",
            crate::run::series::MALICIOUS,
            "Malicious-served share, 30% bad providers",
            "malicious share (window)",
            Some((0.10, "target 10%".to_string())),
        ),
    ];
    for (file, sc, series, title, y, target) in specs {
        if let Some(c) = by_policy(sc, series, title, y, target) {
            charts.push((file.to_string(), c));
        }
    }
    let formula: Vec<&Outcome> = outs
        .iter()
        .filter(|o| o.policy == Policy::Formula && !o.control && o.scenario != "honest-n50")
        .collect();
    for (file, series, title, y) in [
        (
            "attacks_spearman",
            crate::run::series::RHO,
            "Formula: Spearman(score, true quality) by scenario",
            "Spearman ρ",
        ),
        (
            "attacks_malicious",
            crate::run::series::MALICIOUS,
            "Formula: malicious-served share by scenario (window)",
            "malicious share",
        ),
    ] {
        let lines: Vec<Series> = formula
            .iter()
            .filter(|o| !o.scenario.starts_with("newcomer"))
            .map(|o| line(o, series, o.scenario.clone()))
            .collect();
        if !lines.is_empty() {
            charts.push((
                file.to_string(),
                Chart {
                    title: title.into(),
                    x_label: "honest calls".into(),
                    y_label: y.into(),
                    series: lines,
                    target: None,
                    y_range: None,
                },
            ));
        }
    }
    charts
}

/// Writes `summary.csv`, `timeseries.csv` and one SVG per chart into `dir`.
pub fn write_all(dir: &Path, outs: &[Outcome]) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut put = |name: &str, body: &str| -> std::io::Result<()> {
        std::fs::write(dir.join(name), body)?;
        written.push(name.to_string());
        Ok(())
    };
    put("summary.csv", &summary_csv(outs))?;
    put("timeseries.csv", &series_csv(outs))?;
    for (name, chart) in charts(outs) {
        let svg = chart.render().map_err(std::io::Error::other)?;
        put(&format!("{name}.svg"), &svg)?;
    }
    Ok(written)
}

/// The final state of one market, one line per service (for `--dump`).
pub fn dump(m: &crate::market::Market) -> String {
    let mut out = String::from(
        "  id kind          q   price  calls  paid(U)     n      R    R'    Φ    Φ'      Q   LCB  value\n",
    );
    let unit = m.cfg.params.unit as f64;
    for (i, s) in m.services.iter().enumerate() {
        let sc = s.score();
        let kind = match s.kind {
            crate::market::Kind::Honest => "honest".to_string(),
            crate::market::Kind::Attacker(g) => format!("attacker{g}"),
            crate::market::Kind::Milker { .. } => "milker".to_string(),
            crate::market::Kind::Newcomer => "newcomer".to_string(),
        };
        let p = |x: u32| f64::from(x) / 1e6;
        let _ = writeln!(
            out,
            "{i:>4} {kind:<10}{} {:.2} {:>7.2} {:>6} {:>8.1} {:>5} {:.3} {:.3} {:.3} {:.3} {:.3} {:.3} {:>6}",
            if s.active { ' ' } else { 'x' },
            s.q,
            s.price as f64 / unit,
            s.honest_calls,
            s.honest_paid as f64 / unit,
            sc.n,
            p(sc.rating_mean),
            p(sc.rating_mean_fast),
            p(sc.fulfillment),
            p(sc.fulfillment_fast),
            p(sc.effective),
            p(sc.lcb),
            gb_scoring::value(sc.lcb, s.price, m.cfg.params.unit),
        );
    }
    let _ = writeln!(
        out,
        "prior LCB {:.3}; ratings refused {}; rating mass clipped {:.1} U",
        f64::from(m.prior.lcb) / 1e6,
        m.refused,
        m.clipped as f64 / unit
    );
    out
}
