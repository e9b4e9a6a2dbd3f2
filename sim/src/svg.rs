//! Minimal SVG line charts with 95 % bands, written by hand: no font or system library
//! is needed (text is plain SVG `<text>`), the output is deterministic and small enough
//! to check into `docs/sim/`.

use std::fmt::Write;

/// One line of a chart: points `(x, mean, lo, hi)`; the band lo..hi is shaded.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// `(x, y, y_lo, y_hi)`, in x order; non-finite y values are skipped.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// A chart: title, axis labels, series, and an optional horizontal target line.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Title on top.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Dashed horizontal line (e.g. a target) with its label.
    pub target: Option<(f64, String)>,
    /// Fixed y range; computed from the data when `None`.
    pub y_range: Option<(f64, f64)>,
}

const W: f64 = 760.0;
const H: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 200.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 55.0;
const COLORS: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// About five "nice" tick values covering lo..hi.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * mag);
    let mut k = (lo / step).ceil() as i64;
    let mut out = Vec::new();
    while k as f64 * step <= hi + step * 1e-9 {
        // Labels are printed with 3 decimals, so 0.6000000000000001 shows as 0.6.
        out.push(k as f64 * step);
        k += 1;
    }
    out
}

/// Short label for a tick value.
fn fmt_tick(v: f64) -> String {
    if v.abs() >= 1000.0 && (v / 1000.0).fract() == 0.0 {
        format!("{}k", v / 1000.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').to_string()
    }
}

/// XML-escapes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Chart {
    /// Renders the chart as an SVG document.
    pub fn render(&self) -> String {
        let finite = |v: f64| v.is_finite();
        let pts = self.series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y, lo, hi) in pts {
            if !finite(y) {
                continue;
            }
            x0 = x0.min(x);
            x1 = x1.max(x);
            for v in [y, lo, hi].into_iter().filter(|v| finite(*v)) {
                y0 = y0.min(v);
                y1 = y1.max(v);
            }
        }
        if let Some((t, _)) = &self.target {
            y0 = y0.min(*t);
            y1 = y1.max(*t);
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if let Some(r) = self.y_range {
            (y0, y1) = r;
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-6);
            (y0, y1) = (y0 - pad, y1 + pad);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let pw = W - LEFT - RIGHT;
        let ph = H - TOP - BOTTOM;
        let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * pw;
        let sy = |y: f64| TOP + (1.0 - (y.clamp(y0, y1) - y0) / (y1 - y0)) * ph;

        let mut o = String::new();
        let _ = writeln!(
            o,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(o, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
        let _ = writeln!(
            o,
            r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
            LEFT + pw / 2.0,
            esc(&self.title)
        );
        for t in ticks(x0, x1) {
            let x = sx(t);
            let _ = writeln!(
                o,
                r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                TOP + ph,
                TOP + ph + 16.0,
                fmt_tick(t)
            );
        }
        for t in ticks(y0, y1) {
            let y = sy(t);
            let _ = writeln!(
                o,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                LEFT + pw,
                LEFT - 6.0,
                y + 4.0,
                fmt_tick(t)
            );
        }
        let _ = writeln!(
            o,
            r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
        );
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + pw / 2.0,
            H - 12.0,
            esc(&self.x_label)
        );
        let _ = writeln!(
            o,
            r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + ph / 2.0,
            esc(&self.y_label)
        );
        if let Some((t, label)) = &self.target {
            let y = sy(*t);
            let _ = writeln!(
                o,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#000" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"##,
                LEFT + pw,
                LEFT + pw - 4.0,
                y - 4.0,
                esc(label)
            );
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = COLORS[i % COLORS.len()];
            let ok: Vec<_> = s.points.iter().filter(|p| finite(p.1)).collect();
            let band: Vec<_> = ok.iter().filter(|p| finite(p.2) && finite(p.3)).collect();
            if band.len() > 1 {
                let mut d = String::new();
                for p in &band {
                    let _ = write!(d, "{:.1},{:.1} ", sx(p.0), sy(p.3));
                }
                for p in band.iter().rev() {
                    let _ = write!(d, "{:.1},{:.1} ", sx(p.0), sy(p.2));
                }
                let _ = writeln!(
                    o,
                    r#"<polygon points="{}" fill="{c}" fill-opacity="0.15" stroke="none"/>"#,
                    d.trim_end()
                );
            }
            let mut d = String::new();
            for p in &ok {
                let _ = write!(d, "{:.1},{:.1} ", sx(p.0), sy(p.1));
            }
            let _ = writeln!(
                o,
                r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/>"#,
                d.trim_end()
            );
            let ly = TOP + 10.0 + 18.0 * i as f64;
            let lx = LEFT + pw + 12.0;
            let _ = writeln!(
                o,
                r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{c}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
                lx + 20.0,
                lx + 26.0,
                ly + 4.0,
                esc(&s.name)
            );
        }
        o.push_str("</svg>\n");
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_series_band_legend_and_target() {
        let chart = Chart {
            title: "t <1>".into(),
            x_label: "calls".into(),
            y_label: "rho".into(),
            series: vec![Series {
                name: "formula".into(),
                points: vec![(0.0, 0.1, 0.0, 0.2), (1000.0, 0.9, 0.85, 0.95)],
            }],
            target: Some((0.9, "target".into())),
            y_range: None,
        };
        let svg = chart.render();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("<polyline") && svg.contains("<polygon"));
        assert!(svg.contains("t &lt;1&gt;") && svg.contains(">formula<"));
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn ticks_are_nice() {
        let t = ticks(0.0, 1.0);
        assert_eq!(t.len(), 6);
        for (a, b) in t.iter().zip([0.0, 0.2, 0.4, 0.6, 0.8, 1.0]) {
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        assert_eq!(fmt_tick(t[3]), "0.6");
        assert_eq!(ticks(0.0, 20000.0).last().copied(), Some(20000.0));
        assert_eq!(fmt_tick(5000.0), "5k");
        assert_eq!(fmt_tick(0.25), "0.25");
    }
}
