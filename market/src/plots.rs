//! `--plot DIR`: the convergence charts of a run as SVG (drawn with `gb-charts`, on
//! plotters). Per market: `<market>-share.svg`, each service's share of the round's
//! paid calls, and `<market>-score.svg`, each service's ranking score (the lower
//! confidence bound) after each round — the two curves that show the market moving
//! its calls and its ranking toward the most accurate service.

use crate::results::{MarketResult, Results};
use gb_charts::{Chart, Series};
use std::path::{Path, PathBuf};

/// The charts of one market: (file stem, chart).
pub fn market_charts(m: &MarketResult) -> Vec<(String, Chart)> {
    let names: Vec<&str> = m.services.iter().map(|s| s.name.as_str()).collect();
    let per_round = |value: &dyn Fn(&crate::results::RoundResult, &str) -> Option<f64>| {
        names
            .iter()
            .map(|name| {
                Series::line(
                    *name,
                    m.rounds
                        .iter()
                        .map(|r| (f64::from(r.round), value(r, name).unwrap_or(f64::NAN))),
                )
            })
            .collect::<Vec<_>>()
    };
    vec![
        (
            format!("{}-share", m.name),
            Chart {
                title: format!("{}: share of the paid calls per round", m.name),
                x_label: "round".into(),
                y_label: "share of calls".into(),
                series: per_round(&|r, n| r.share.get(n).copied().or(Some(0.0))),
                target: None,
                y_range: Some((0.0, 1.0)),
            },
        ),
        (
            format!("{}-score", m.name),
            Chart {
                title: format!("{}: ranking score (lower confidence bound)", m.name),
                x_label: "round".into(),
                y_label: "score".into(),
                series: per_round(&|r, n| r.scores.get(n).map(|s| f64::from(*s) / 1e6)),
                target: None,
                y_range: Some((0.0, 1.0)),
            },
        ),
    ]
}

/// Writes every market's charts into `dir` (created if missing); returns the files.
pub fn write_plots(dir: &Path, results: &Results) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for m in &results.markets {
        for (stem, chart) in market_charts(m) {
            let path = dir.join(format!("{stem}.svg"));
            let svg = chart.render().map_err(std::io::Error::other)?;
            std::fs::write(&path, svg)?;
            written.push(path);
        }
    }
    Ok(written)
}
