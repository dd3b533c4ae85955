package io.sparkgrad.job;

import io.sparkgrad.trainer.EpochStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The run's pictures, drawn with JFreeChart: the loss and accuracy curves per epoch, and the test confusion matrix.
 * Both are rendered off-screen (headless), so they work on a cluster's driver without a display.
 */
public final class Charts {
    /** Width and height of {@code curves.png}. */
    static final int CURVES_WIDTH = 900;
    static final int CURVES_HEIGHT = 700;
    /** Side of {@code confusion.png}. */
    static final int CONFUSION_SIZE = 760;

    private static final Color TRAIN = new Color(0x1f77b4);
    private static final Color VALIDATION = new Color(0xff7f0e);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {
    }

    /** Training and validation loss (top) and accuracy (bottom) against the epoch. */
    public static JFreeChart curves(List<EpochStats> history, String title) {
        XYSeries trainLoss = new XYSeries("train");
        XYSeries validLoss = new XYSeries("validation");
        XYSeries trainAcc = new XYSeries("train");
        XYSeries validAcc = new XYSeries("validation");
        for (EpochStats e : history) {
            int x = e.epoch() + 1;
            add(trainLoss, x, e.trainLoss());
            add(validLoss, x, e.validationLoss());
            add(trainAcc, x, e.trainAccuracy());
            add(validAcc, x, e.validationAccuracy());
        }
        NumberAxis epochs = new NumberAxis("epoch");
        epochs.setTickUnit(new NumberTickUnit(1));
        epochs.setRange(0.5, Math.max(1, history.size()) + 0.5);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochs);
        plot.setGap(12);
        plot.add(panel(trainLoss, validLoss, "cross-entropy loss", true), 1);
        plot.add(panel(trainAcc, validAcc, "accuracy", false), 1);
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static void add(XYSeries s, int x, double y) {
        if (Double.isFinite(y)) {
            s.add(x, y);
        }
    }

    private static XYPlot panel(XYSeries train, XYSeries validation, String label, boolean inLegend) {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(train);
        data.addSeries(validation);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, TRAIN);
        r.setSeriesPaint(1, VALIDATION);
        r.setSeriesStroke(0, new BasicStroke(2f));
        r.setSeriesStroke(1, new BasicStroke(2f));
        r.setSeriesShape(0, new Rectangle2D.Double(-4, -4, 8, 8));
        r.setSeriesShape(1, new Ellipse2D.Double(-4, -4, 8, 8));
        // Both panels show the same two series: one legend entry each.
        r.setSeriesVisibleInLegend(0, inLegend);
        r.setSeriesVisibleInLegend(1, inLegend);
        NumberAxis y = new NumberAxis(label);
        y.setAutoRangeIncludesZero(false);
        XYPlot p = new XYPlot(data, null, y, r);
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return p;
    }

    /**
     * The confusion matrix as a heat map: true class down, predicted class across, each cell's count written in it
     * and its colour the fraction of its true class (so the diagonal shows each class's recall).
     */
    public static JFreeChart confusion(ConfusionMatrix m, String title) {
        int k = m.classes();
        double[] xs = new double[k * k];
        double[] ys = new double[k * k];
        double[] zs = new double[k * k];
        for (int a = 0; a < k; a++) {
            long row = m.rowTotal(a);
            for (int p = 0; p < k; p++) {
                int i = a * k + p;
                xs[i] = p;
                ys[i] = a;
                zs[i] = row == 0 ? 0 : (double) m.count(a, p) / row;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("fraction of the true class", new double[][] {xs, ys, zs});
        XYBlockRenderer r = new XYBlockRenderer();
        r.setPaintScale(new BlueScale());
        NumberAxis predicted = classAxis("predicted class", k);
        NumberAxis actual = classAxis("true class", k);
        actual.setInverted(true);
        XYPlot plot = new XYPlot(data, predicted, actual, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        Font font = new Font("SansSerif", Font.PLAIN, k > 12 ? 9 : 13);
        for (int a = 0; a < k; a++) {
            for (int p = 0; p < k; p++) {
                long c = m.count(a, p);
                if (c == 0) {
                    continue;
                }
                XYTextAnnotation t = new XYTextAnnotation(Long.toString(c), p, a);
                t.setFont(font);
                t.setTextAnchor(TextAnchor.CENTER);
                t.setPaint(zs[a * k + p] > 0.5 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(t);
            }
        }
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static NumberAxis classAxis(String label, int k) {
        NumberAxis a = new NumberAxis(label);
        a.setRange(-0.5, k - 0.5);
        a.setTickUnit(new NumberTickUnit(1));
        a.setLowerMargin(0);
        a.setUpperMargin(0);
        return a;
    }

    /** A chart as PNG bytes. */
    public static byte[] png(JFreeChart chart, int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, width, height);
        return out.toByteArray();
    }

    /** A title line with the accuracy in percent. */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
    }

    /** White (0) to dark blue (1). */
    private static final class BlueScale implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double v = Math.max(0, Math.min(1, value));
            // Square root: the few off-diagonal errors stay visible next to a diagonal near 1.
            double t = Math.sqrt(v);
            int r = (int) Math.round(255 + t * (8 - 255));
            int g = (int) Math.round(255 + t * (48 - 255));
            int b = (int) Math.round(255 + t * (107 - 255));
            return new Color(r, g, b);
        }
    }
}
