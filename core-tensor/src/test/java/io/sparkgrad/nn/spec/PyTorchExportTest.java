package io.sparkgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Python file that rebuilds a spec as a torch.nn.Sequential and loads its weights strictly. */
class PyTorchExportTest {

    @Test
    void aConvModelBecomesTheSameSequentialWithItsInputSizesWritten() {
        String py = PyTorchExport.toPython(NamedSpec.MNIST_CNN.spec(), new int[] {1, 28, 28}, "runs/x/model.safetensors");
        assertEquals(sequential("runs/x/model.safetensors",
                "    nn.Conv2d(1, 16, kernel_size=5, stride=2, padding=2),  # [16, 14, 14]",
                "    nn.ReLU(),  # [16, 14, 14]",
                "    nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1),  # [32, 7, 7]",
                "    nn.ReLU(),  # [32, 7, 7]",
                "    nn.Flatten(),  # [1568]",
                "    nn.Linear(1568, 128),  # [128]",
                "    nn.ReLU(),  # [128]",
                "    nn.Linear(128, 10),  # [10]"), moduleBlock(py));
        assertTrue(py.contains("\nimport torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n"), py);
        assertTrue(py.contains("\nINPUT_SHAPE = (1, 28, 28)\n"), py);
        assertTrue(py.contains("#   " + NamedSpec.MNIST_CNN.spec() + "\n"), py);
    }

    @Test
    void anMlpAndEveryOtherLayerPrintPyTorchsConstructors() {
        ModelSpec mlp = ModelSpec.parse("linear(128, bias=false) gelu dropout(0.2) linear(64) leakyrelu tanh sigmoid linear(10) "
                + "logsoftmax");
        String py = PyTorchExport.toPython(mlp, new int[] {784}, "model.safetensors");
        assertEquals(sequential("model.safetensors",
                "    nn.Linear(784, 128, bias=False),  # [128]",
                "    nn.GELU(),  # [128]",
                "    nn.Dropout(p=0.2),  # [128]",
                "    nn.Linear(128, 64),  # [64]",
                "    nn.LeakyReLU(negative_slope=0.01),  # [64]",
                "    nn.Tanh(),  # [64]",
                "    nn.Sigmoid(),  # [64]",
                "    nn.Linear(64, 10),  # [10]",
                "    nn.LogSoftmax(dim=1),  # [10]"), moduleBlock(py));
        assertTrue(py.contains("\nINPUT_SHAPE = (784,)\n"), py);

        ModelSpec images = ModelSpec.parse("conv2d(8, 3, padding=1, bias=false) batchnorm2d(eps=0.001) relu maxpool2d(2) "
                + "avgpool2d(3, stride=1, padding=1) adaptiveavgpool2d(1) flatten softmax");
        assertEquals(List.of(
                "    nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False),  # [8, 32, 32]",
                "    nn.BatchNorm2d(8, eps=0.001, momentum=0.1),  # [8, 32, 32]",
                "    nn.ReLU(),  # [8, 32, 32]",
                "    nn.MaxPool2d(kernel_size=2, stride=2, padding=0),  # [8, 16, 16]",
                "    nn.AvgPool2d(kernel_size=3, stride=1, padding=1),  # [8, 16, 16]",
                "    nn.AdaptiveAvgPool2d(1),  # [8, 1, 1]",
                "    nn.Flatten(),  # [8]",
                "    nn.Softmax(dim=1),  # [8]"),
                moduleBlock(PyTorchExport.toPython(images, new int[] {3, 32, 32}, "m.safetensors")).subList(1, 9));
    }

    @Test
    void theWeightsFileNameIsAPythonStringLiteral() {
        assertEquals("\"C:\\\\models\\\\a \\\"b\\\".safetensors\"", PyTorchExport.pythonString("C:\\models\\a \"b\".safetensors"));
        assertEquals("\"x\\ny\"", PyTorchExport.pythonString("x\ny"));
    }

    /** The module block the export writes for these layer lines and weights file, as {@link #moduleBlock} cuts it out. */
    private static List<String> sequential(String weights, String... layers) {
        List<String> lines = new ArrayList<>();
        lines.add("model = nn.Sequential(");
        lines.addAll(List.of(layers));
        lines.add(")");
        lines.add("model.load_state_dict(load_file(\"" + weights + "\"), strict=True)");
        lines.add("model.eval()");
        return lines;
    }

    /** The lines from {@code model = nn.Sequential(} through {@code model.eval()}. */
    private static List<String> moduleBlock(String py) {
        List<String> lines = Arrays.asList(py.split("\n"));
        int from = lines.indexOf("model = nn.Sequential(");
        int to = lines.indexOf("model.eval()");
        return lines.subList(from, to + 1);
    }
}
