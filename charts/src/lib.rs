//! Line charts with 95 % bands and a dashed target line, rendered to SVG with
//! [`plotters`]: no font or system library is needed (plotters' SVG backend writes text
//! as `<text>` elements), and the output is deterministic, so charts can be checked into
//! `docs/`. Used by `gb-sim` (`--out DIR`) and `gb-market` (`--plot DIR`).

use plotters::prelude::*;

/// One line of a chart: points `(x, mean, lo, hi)`; the band lo..hi is shaded.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// `(x, y, y_lo, y_hi)`, in x order; points with a non-finite y are skipped, and
    /// the band only where both bounds are finite.
    pub points: Vec<(f64, f64, f64, f64)>,
}

impl Series {
    /// A line without a band.
    pub fn line(name: impl Into<String>, points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points: points
                .into_iter()
                .map(|(x, y)| (x, y, f64::NAN, f64::NAN))
                .collect(),
        }
    }
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
    /// Fixed y range; computed from the data (with 5 % padding) when `None`.
    pub y_range: Option<(f64, f64)>,
}

/// The error of a chart that could not be drawn (plotters' drawing error, as text).
#[derive(Debug)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing the chart: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

const SIZE: (u32, u32) = (760, 440);

/// A short tick label: `5k`, `500`, `0.25` (3 decimals at most, no trailing zeros).
fn tick(v: f64) -> String {
    if v.abs() >= 1000.0 && (v / 1000.0).fract() == 0.0 {
        format!("{}k", v / 1000.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0');
        if s == "-0." || s == "0." {
            "0".into()
        } else {
            s.into()
        }
    }
}

fn palette(i: usize) -> RGBColor {
    // The matplotlib "tab10" colours (distinguishable, print well).
    const COLORS: [RGBColor; 8] = [
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0xd6, 0x27, 0x28),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x94, 0x67, 0xbd),
        RGBColor(0x8c, 0x56, 0x4b),
        RGBColor(0xe3, 0x77, 0xc2),
        RGBColor(0x7f, 0x7f, 0x7f),
    ];
    COLORS[i % COLORS.len()]
}

impl Chart {
    /// The x and y ranges the chart shows.
    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y, lo, hi) in self.series.iter().flat_map(|s| s.points.iter()) {
            if !y.is_finite() || !x.is_finite() {
                continue;
            }
            x0 = x0.min(x);
            x1 = x1.max(x);
            for v in [y, lo, hi].into_iter().filter(|v| v.is_finite()) {
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
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if let Some(r) = self.y_range {
            (y0, y1) = r;
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-6);
            (y0, y1) = (y0 - pad, y1 + pad);
        }
        ((x0, x1), (y0, y1))
    }

    /// Renders the chart as an SVG document.
    pub fn render(&self) -> Result<String, ChartError> {
        let mut svg = String::new();
        self.draw(&mut svg).map_err(|e| ChartError(e.to_string()))?;
        Ok(svg)
    }

    fn draw(&self, out: &mut String) -> Result<(), Box<dyn std::error::Error + '_>> {
        let ((x0, x1), (y0, y1)) = self.ranges();
        let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 17))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .draw()?;
        for (i, s) in self.series.iter().enumerate() {
            let color = palette(i);
            let band: Vec<_> = s
                .points
                .iter()
                .filter(|p| p.1.is_finite() && p.2.is_finite() && p.3.is_finite())
                .collect();
            if band.len() > 1 {
                let outline = band
                    .iter()
                    .map(|p| (p.0, p.3))
                    .chain(band.iter().rev().map(|p| (p.0, p.2)))
                    .collect::<Vec<_>>();
                chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.15))))?;
            }
            let line = s
                .points
                .iter()
                .filter(|p| p.1.is_finite())
                .map(|p| (p.0, p.1));
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }
        if let Some((t, label)) = &self.target {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, *t), (x1, *t)],
                    8,
                    6,
                    BLACK.stroke_width(1),
                ))?
                .label(label.as_str())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: "t <1>".into(),
            x_label: "calls".into(),
            y_label: "rho".into(),
            series: vec![Series {
                name: "formula".into(),
                points: vec![
                    (0.0, 0.1, 0.0, 0.2),
                    (500.0, f64::NAN, f64::NAN, f64::NAN),
                    (1000.0, 0.9, 0.85, 0.95),
                ],
            }],
            target: Some((0.9, "target".into())),
            y_range: None,
        }
    }

    #[test]
    fn render_writes_title_legend_line_band_and_target() {
        let svg = chart().render().unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        // The title is escaped, the legend names the series and the target.
        assert!(svg.contains("\nt &lt;1&gt;\n"), "{svg}");
        assert!(
            svg.contains("\nformula\n") && svg.contains("\ntarget\n"),
            "{svg}"
        );
        // Tick labels are short: 0.2, 500 (not 0.2000001 or 500.0).
        assert!(svg.contains("\n500\n") && svg.contains("\n0.2\n"), "{svg}");
        // A line (polyline), a band (polygon) and the dashed target (several segments).
        assert!(svg.contains("<polyline") && svg.contains("<polygon"));
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick(5000.0), "5k");
        assert_eq!(tick(500.0), "500");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(0.6000000000000001), "0.6");
        assert_eq!(tick(-0.0001), "0");
    }

    #[test]
    fn render_is_deterministic() {
        assert_eq!(chart().render().unwrap(), chart().render().unwrap());
    }

    #[test]
    fn ranges_skip_non_finite_points_and_pad_y() {
        let ((x0, x1), (y0, y1)) = chart().ranges();
        assert_eq!((x0, x1), (0.0, 1000.0));
        assert!(y0 < 0.0 && y1 > 0.95, "{y0} {y1}");
        let empty = Chart::default();
        assert_eq!(empty.ranges().0, (0.0, 1.0));
    }
}
