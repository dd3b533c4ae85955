package io.sparkgrad.trainer.sweep;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The sweep's pictures, drawn off-screen with JFreeChart in the house style of the job's charts (white background,
 * light grid, SansSerif titles).
 *
 * <ul>
 *   <li>{@code curves.png}: every trial's validation objective per epoch; a trial the scheduler stopped ends in a
 *       red cross, a completed one in a dot, the best one is drawn thick and named in the title.</li>
 *   <li>{@code params.png}: the objective at each trial's last epoch against each swept key, one panel per key sharing
 *       the objective axis; log axes for {@code loguniform} keys (and for positive values spanning two decades or
 *       more), named categories for choices of strings.</li>
 * </ul>
 */
final class SweepCharts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 650;
    private static final Color STOPPED = new Color(0xd62728);
    private static final Color COMPLETED = new Color(0x1f77b4);
    private static final Color BEST = new Color(0x2ca02c);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private SweepCharts() {
    }

    static void write(FileSystem fs, Path out, SweepConfig config, List<Trial> trials) throws IOException {
        png(fs, new Path(out, "curves.png"), curves(config, trials), WIDTH, HEIGHT);
        List<String> swept = config.space().sweptKeys();
        if (!swept.isEmpty()) {
            png(fs, new Path(out, "params.png"), params(config, trials), Math.max(WIDTH, 330 * swept.size()), 480);
        }
    }

    static JFreeChart curves(SweepConfig config, List<Trial> trials) {
        Objective o = config.objective();
        Trial best = null;
        for (Trial t : trials) {
            if (t.status() != TrialStatus.FAILED && !t.epochs().isEmpty() && (best == null || o.better(t.last(o), best.last(o)))) {
                best = t;
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        Shape cross = ShapeUtils.createDiagonalCross(5, 1.2f);
        Shape dot = new Ellipse2D.Double(-3, -3, 6, 6);
        int s = 0;
        for (Trial t : trials) {
            if (t.epochs().isEmpty()) {
                continue;
            }
            XYSeries series = new XYSeries("trial " + t.id());
            for (EpochResult e : t.epochs()) {
                double v = o.of(e);
                if (Double.isFinite(v)) {
                    series.add(e.epoch(), v);
                }
            }
            data.addSeries(series);
            boolean isBest = t == best;
            Color c = isBest ? BEST : t.status() == TrialStatus.STOPPED || t.status() == TrialStatus.FAILED ? STOPPED : COMPLETED;
            r.setSeriesPaint(s, new Color(c.getRed(), c.getGreen(), c.getBlue(), isBest ? 255 : 150));
            r.setSeriesStroke(s, new BasicStroke(isBest ? 3f : 1.2f));
            r.setSeriesShape(s, t.status() == TrialStatus.COMPLETED ? dot : cross);
            r.setSeriesVisibleInLegend(s, false);
            s++;
        }
        // Only each trial's last point is marked, so the crosses show where the scheduler stopped it.
        XYLineAndShapeRenderer marked = new XYLineAndShapeRenderer(true, true) {
            @Override
            public boolean getItemShapeVisible(int series, int item) {
                return item == data.getItemCount(series) - 1;
            }
        };
        for (int i = 0; i < s; i++) {
            marked.setSeriesPaint(i, r.getSeriesPaint(i));
            marked.setSeriesStroke(i, r.getSeriesStroke(i));
            marked.setSeriesShape(i, r.getSeriesShape(i));
            marked.setSeriesVisibleInLegend(i, false);
        }
        NumberAxis epochs = new NumberAxis("epoch");
        epochs.setTickUnit(new NumberTickUnit(1));
        epochs.setRange(0.5, config.scheduler().maxEpochs() + 0.5);
        NumberAxis y = new NumberAxis(o.metric());
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, epochs, y, marked);
        style(plot);
        String title = String.format(Locale.ROOT, "%d trials, scheduler %s: blue completed, red x stopped%s", trials.size(),
                config.scheduler().name(), best == null ? "" : String.format(Locale.ROOT, ", green best (trial %d, %s %.4f)", best.id(), o.metric(), best.last(o)));
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 15), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    static JFreeChart params(SweepConfig config, List<Trial> trials) {
        Objective o = config.objective();
        NumberAxis y = new NumberAxis(o.metric() + " (last epoch)");
        y.setAutoRangeIncludesZero(false);
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(y);
        plot.setGap(14);
        for (String key : config.space().sweptKeys()) {
            Domain d = config.space().domains().get(key);
            boolean numeric = trials.stream().allMatch(t -> t.params().get(key) instanceof Number);
            List<String> categories = new ArrayList<>();
            if (!numeric) {
                trials.forEach(t -> {
                    String c = String.valueOf(t.params().get(key));
                    if (!categories.contains(c)) {
                        categories.add(c);
                    }
                });
            }
            XYSeries completed = new XYSeries("completed");
            XYSeries stopped = new XYSeries("stopped");
            for (Trial t : trials) {
                double v = t.last(o);
                if (t.status() == TrialStatus.FAILED || !Double.isFinite(v)) {
                    continue;
                }
                Object p = t.params().get(key);
                double x = numeric ? ((Number) p).doubleValue() : categories.indexOf(String.valueOf(p));
                (t.status() == TrialStatus.COMPLETED ? completed : stopped).add(x, v);
            }
            XYSeriesCollection data = new XYSeriesCollection();
            data.addSeries(completed);
            data.addSeries(stopped);
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
            r.setSeriesPaint(0, COMPLETED);
            r.setSeriesPaint(1, STOPPED);
            r.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
            r.setSeriesShape(1, ShapeUtils.createDiagonalCross(4, 1f));
            // The combined plot's legend collects every subplot's series: only the first subplot's show, once each.
            boolean firstPlot = plot.getSubplots().isEmpty();
            r.setSeriesVisibleInLegend(0, firstPlot);
            r.setSeriesVisibleInLegend(1, firstPlot);
            ValueAxis x;
            if (!numeric) {
                x = new SymbolAxis(key, categories.stream().map(c -> c.length() > 24 ? c.substring(0, 22) + ".." : c).toArray(String[]::new));
            } else if (d.logScale() || spansDecades(trials, key)) {
                LogAxis log = new LogAxis(key + " (log)");
                log.setSmallestValue(1e-12);
                x = log;
            } else {
                NumberAxis n = new NumberAxis(key);
                n.setAutoRangeIncludesZero(false);
                x = n;
            }
            XYPlot p = new XYPlot(data, x, null, r);
            style(p);
            plot.add(p, 1);
        }
        JFreeChart chart = new JFreeChart(o.metric() + " against each swept key (blue completed, red x stopped)",
                new Font("SansSerif", Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Positive values whose largest is 100 times the smallest (a grid of learning rates): a log axis reads better. */
    private static boolean spansDecades(List<Trial> trials, String key) {
        double[] v = trials.stream().mapToDouble(t -> ((Number) t.params().get(key)).doubleValue()).toArray();
        double min = java.util.Arrays.stream(v).min().orElse(0);
        double max = java.util.Arrays.stream(v).max().orElse(0);
        return min > 0 && max >= 100 * min;
    }

    private static void style(XYPlot p) {
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    private static void png(FileSystem fs, Path path, JFreeChart chart, int w, int h) throws IOException {
        try (OutputStream o = fs.create(path, true)) {
            ChartUtils.writeChartAsPNG(o, chart, w, h);
        }
    }
}
