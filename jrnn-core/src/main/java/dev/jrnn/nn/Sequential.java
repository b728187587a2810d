package dev.jrnn.nn;

import dev.jrnn.autograd.Tensor;

import java.util.List;

/** Layers applied one after another; children are named {@code 0}, {@code 1}, ... as in PyTorch. */
public class Sequential extends Layer {
    private final List<Layer> layers;

    /** Chains the given layers. */
    public Sequential(Layer... layers) {
        this.layers = List.of(layers);
        for (int i = 0; i < layers.length; i++) {
            registerModule(Integer.toString(i), layers[i]);
        }
    }

    /** The layers in order. */
    public List<Layer> layers() { return layers; }

    @Override
    public Tensor forward(Tensor x) {
        for (Layer l : layers) {
            x = l.forward(x);
        }
        return x;
    }
}
