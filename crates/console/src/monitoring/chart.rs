//! Server-side SVG line charts: no script needed, accessible (`role="img"`, `<title>`,
//! `<desc>` with the latest values, labelled axes), drawn from the series the pages compute.

use crate::html::Html;
use crate::monitoring::series::Point;

const WIDTH: f64 = 440.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
const RIGHT: f64 = 8.0;
/// Line colours (Elastic's palette), one per series in order.
const COLOURS: &[&str] = &["#54b399", "#6092c0", "#d36086", "#9170b8", "#ca8eae"];

/// One line of a chart.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    pub(crate) label: &'a str,
    pub(crate) points: &'a [Point],
}

/// A number as a chart or table shows it: up to two decimals, thousands kept readable.
pub(crate) fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// `HH:MM` (UTC) of an epoch-millisecond time.
pub(crate) fn clock(ms: i64) -> String {
    ironstack_types::date::timestamp_from_millis(ms)
        .map(|t| {
            let iso = ironstack_types::date::format_iso_millis(t);
            iso.get(11..16).unwrap_or("").to_string()
        })
        .unwrap_or_default()
}

/// A chart `id` (unique on the page), its title, unit and lines.
pub(crate) fn render(h: &mut Html, id: &str, title: &str, unit: &str, lines: &[Line]) {
    let values = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|(_, v)| *v));
    let max_v = values.fold(0.0_f64, f64::max);
    let top = if max_v > 0.0 { max_v * 1.1 } else { 1.0 };
    let keys = lines.iter().flat_map(|l| l.points.iter().map(|(k, _)| *k));
    let (first, last) = keys.fold((i64::MAX, i64::MIN), |(lo, hi), k| (lo.min(k), hi.max(k)));
    let span = if last > first {
        (last - first) as f64
    } else {
        1.0
    };
    let x = |k: i64| LEFT + (k - first) as f64 / span * (WIDTH - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - v / top) * (HEIGHT - TOP - BOTTOM);
    let mut desc = String::new();
    for line in lines {
        let last_value = crate::monitoring::series::last_value(line.points);
        let n = line.points.iter().filter(|(_, v)| v.is_some()).count();
        desc.push_str(&format!(
            "{}: {} points, latest {} {unit}. ",
            line.label,
            n,
            last_value.map_or("none".to_string(), number)
        ));
    }
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    h.open("figure", &[("class", "chart"), ("data-test-subj", id)])
        .element("figcaption", &[], &format!("{title} ({unit})"))
        .open(
            "svg",
            &[
                ("role", "img"),
                ("viewBox", &format!("0 0 {WIDTH} {HEIGHT}")),
                ("width", &WIDTH.to_string()),
                ("height", &HEIGHT.to_string()),
                ("aria-labelledby", &format!("{title_id} {desc_id}")),
            ],
        )
        .element("title", &[("id", &title_id)], title)
        .element("desc", &[("id", &desc_id)], desc.trim_end());
    // Axes and their labels.
    let axis = format!("M{LEFT} {TOP}V{}H{}", HEIGHT - BOTTOM, WIDTH - RIGHT);
    h.void(
        "path",
        &[("d", &axis), ("stroke", "#69707d"), ("fill", "none")],
    )
    .close("path");
    h.element(
        "text",
        &[
            ("x", "2"),
            ("y", &(TOP + 8.0).to_string()),
            ("class", "axis"),
        ],
        &number(top),
    )
    .element(
        "text",
        &[
            ("x", "2"),
            ("y", &(HEIGHT - BOTTOM).to_string()),
            ("class", "axis"),
        ],
        &format!("0 {unit}"),
    );
    if first <= last {
        h.element(
            "text",
            &[
                ("x", &LEFT.to_string()),
                ("y", &(HEIGHT - 6.0).to_string()),
                ("class", "axis"),
            ],
            &clock(first),
        )
        .element(
            "text",
            &[
                ("x", &(WIDTH - RIGHT).to_string()),
                ("y", &(HEIGHT - 6.0).to_string()),
                ("class", "axis"),
                ("text-anchor", "end"),
            ],
            &clock(last),
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let mut d = String::new();
        let mut pen_down = false;
        for (k, v) in line.points {
            match v {
                Some(v) => {
                    d.push_str(&format!(
                        "{}{:.1} {:.1}",
                        if pen_down { 'L' } else { 'M' },
                        x(*k),
                        y(*v)
                    ));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let colour = COLOURS[i % COLOURS.len()];
        h.void(
            "path",
            &[
                ("d", &d),
                ("stroke", colour),
                ("stroke-width", "2"),
                ("fill", "none"),
                ("data-series", line.label),
            ],
        )
        .close("path");
    }
    h.close("svg");
    h.open("ul", &[("class", "legend")]);
    for (i, line) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let last_value = crate::monitoring::series::last_value(line.points);
        h.open("li", &[])
            .element(
                "span",
                &[
                    ("class", "swatch"),
                    ("style", &format!("background:{colour}")),
                ],
                "",
            )
            .text(&format!(
                " {}: {}",
                line.label,
                last_value.map_or("N/A".to_string(), number)
            ))
            .close("li");
    }
    h.close("ul").close("figure");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_accessible_svg_with_its_lines() {
        let points = vec![
            (0, Some(1.0)),
            (30_000, None),
            (60_000, Some(3.0)),
            (90_000, Some(2.5)),
        ];
        let mut h = Html::new();
        render(
            &mut h,
            "searchRate",
            "Search Rate",
            "/s",
            &[Line {
                label: "Total Shards",
                points: &points,
            }],
        );
        let svg = h.finish();
        assert!(svg.contains("role=\"img\""), "{svg}");
        assert!(svg.contains("<title id=\"searchRate-title\">Search Rate</title>"));
        assert!(
            svg.contains("Total Shards: 3 points, latest 2.50 /s."),
            "{svg}"
        );
        assert!(svg.contains("<figcaption>Search Rate (/s)</figcaption>"));
        // The gap lifts the pen: two sub-paths.
        let line = svg.split("data-series=\"Total Shards\"").next().unwrap();
        let d = line.rsplit("d=\"").next().unwrap();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(svg.contains(">00:00<") && svg.contains(">00:01<"), "{svg}");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(2.0), "2");
        assert_eq!(number(2.345), "2.35");
        assert_eq!(number(1234.6), "1235");
    }
}
