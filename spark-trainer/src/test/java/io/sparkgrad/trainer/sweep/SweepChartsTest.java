package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.junit.jupiter.api.Test;

class SweepChartsTest {

    @Test
    void theParamsLegendNamesEachSeriesOnceWhateverTheNumberOfSweptKeys() {
        SweepConfig config = SweepConfig.parse("""
                sweep: {search: grid, scheduler: {name: asha, maxEpochs: 3}}
                space:
                  optimizer.lr: grid(0.01, 0.1)
                  optimizer.name: grid(sgd, adam)
                  training.globalBatchSize: choice(32, 64)
                """);
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Trial t = new Trial(i, Map.of("optimizer.lr", i < 2 ? 0.01 : 0.1, "optimizer.name", i % 2 == 0 ? "sgd" : "adam",
                    "training.globalBatchSize", 32L));
            int epochs = i % 2 == 0 ? 3 : 1;
            List<EpochResult> e = new ArrayList<>();
            for (int k = 1; k <= epochs; k++) {
                e.add(new EpochResult(k, 1.0 / k, 1.0 / k, 0.5 + 0.1 * k + 0.01 * i, 1));
            }
            t.apply(new SegmentResult(i, 0, e, "ckpt", null, 1));
            t.status(epochs == 3 ? TrialStatus.COMPLETED : TrialStatus.STOPPED);
            trials.add(t);
        }
        JFreeChart chart = SweepCharts.params(config, trials);
        LegendItemCollection items = chart.getPlot().getLegendItems();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < items.getItemCount(); i++) {
            labels.add(items.get(i).getLabel());
        }
        assertEquals(List.of("completed", "stopped"), labels, "three swept keys, three subplots, one legend");
    }
}
