//! Charts drawn on the server as SVG: horizontal bars, each with its label above it and its
//! number beside it, a `<title>` per bar for the pointer, and `role="img"` with a title and a
//! description for screen readers. Colours come from the style sheet (the policy allows no
//! inline style).

use super::format::shorten;

/// How long the longest bar is and how tall a row (label and bar) is, in SVG units.
const BAR_SPACE: u32 = 360;
const ROW_HEIGHT: u32 = 40;
pub const CHART_WIDTH: u32 = 540;

pub struct Bar {
    pub label: String,
    pub shown: String,
    pub tone: &'static str,
    pub label_y: u32,
    pub bar_y: u32,
    pub value_y: u32,
    pub width: u32,
    pub value_x: u32,
}

pub struct BarChart {
    pub id: &'static str,
    pub title: String,
    pub description: String,
    pub height: u32,
    pub bars: Vec<Bar>,
}

/// One bar's data: its label, its size, the number written beside it and its colour class.
pub struct BarData {
    pub label: String,
    pub value: f64,
    pub shown: String,
    pub tone: &'static str,
}

impl BarData {
    pub fn new(label: impl Into<String>, value: f64, shown: impl Into<String>, tone: &'static str) -> BarData {
        BarData { label: label.into(), value, shown: shown.into(), tone }
    }
}

impl BarChart {
    /// Bars scaled to the largest value; `max` fixes the scale instead (1.0 for shares).
    pub fn new(id: &'static str, title: &str, description: &str, data: Vec<BarData>, max: Option<f64>) -> BarChart {
        let largest = max.unwrap_or_else(|| data.iter().map(|d| d.value).fold(0.0, f64::max));
        let bars = data
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let top = i as u32 * ROW_HEIGHT;
                let width = if largest > 0.0 { ((d.value / largest).clamp(0.0, 1.0) * f64::from(BAR_SPACE)).round() as u32 } else { 0 };
                // A value above zero always shows a sliver.
                let width = if d.value > 0.0 { width.max(2) } else { 0 };
                Bar {
                    // Cut to stay within the chart; the bar's `<title>` keeps the label whole.
                    label: shorten(&d.label, 70),
                    shown: d.shown,
                    tone: d.tone,
                    label_y: top + 14,
                    bar_y: top + 20,
                    value_y: top + 32,
                    width,
                    value_x: width + 8,
                }
            })
            .collect::<Vec<_>>();
        BarChart {
            id,
            title: title.to_owned(),
            description: description.to_owned(),
            height: (bars.len() as u32 * ROW_HEIGHT).max(ROW_HEIGHT),
            bars,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_small_values_stay_visible() {
        let chart = BarChart::new(
            "c",
            "t",
            "d",
            vec![BarData::new("a", 10.0, "10", "won"), BarData::new("b", 0.01, "0.01", "won"), BarData::new("c", 0.0, "0", "won")],
            None,
        );
        let widths: Vec<u32> = chart.bars.iter().map(|b| b.width).collect();
        assert_eq!(widths, [BAR_SPACE, 2, 0]);
        assert_eq!(chart.height, 3 * ROW_HEIGHT);
    }
}
