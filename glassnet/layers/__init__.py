"""Layers: the building blocks of models (``keras.layers``)."""
from glassnet.layers.activation import Activation
from glassnet.layers.alpha_dropout import AlphaDropout
from glassnet.layers.batch_normalization import BatchNormalization
from glassnet.layers.center_crop import CenterCrop
from glassnet.layers.conv2d_transpose import Conv2DTranspose, Convolution2DTranspose
from glassnet.layers.convolution import Conv1D, Conv2D, Convolution1D, Convolution2D
from glassnet.layers.cropping2d import Cropping2D
from glassnet.layers.dense import Dense
from glassnet.layers.depthwise_conv2d import DepthwiseConv2D
from glassnet.layers.dropout import Dropout
from glassnet.layers.elu import ELU
from glassnet.layers.embedding import Embedding
from glassnet.layers.flatten import Flatten
from glassnet.layers.gaussian_noise import GaussianNoise
from glassnet.layers.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
)
from glassnet.layers.input_layer import Input, InputLayer
from glassnet.layers.keras_tensor import KerasTensor
from glassnet.layers.lambda_layer import Lambda
from glassnet.layers.layer import Layer
from glassnet.layers.leaky_relu import LeakyReLU
from glassnet.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from glassnet.layers.normalization import Normalization
from glassnet.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from glassnet.layers.prelu import PReLU
from glassnet.layers.random_crop import RandomCrop
from glassnet.layers.random_flip import RandomFlip
from glassnet.layers.random_rotation import RandomRotation
from glassnet.layers.random_translation import RandomTranslation
from glassnet.layers.random_zoom import RandomZoom
from glassnet.layers.relu import ReLU
from glassnet.layers.rescaling import Rescaling
from glassnet.layers.reshape import Reshape
from glassnet.layers.resizing import Resizing
from glassnet.layers.rnn import GRU, LSTM, SimpleRNN
from glassnet.layers.separable_conv2d import SeparableConv2D, SeparableConvolution2D
from glassnet.layers.softmax import Softmax
from glassnet.layers.spatial_dropout2d import SpatialDropout2D
from glassnet.layers.up_sampling2d import UpSampling2D
from glassnet.layers.zero_padding2d import ZeroPadding2D

__all__ = [
    "ELU",
    "GRU",
    "LSTM",
    "Activation",
    "Add",
    "AlphaDropout",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "CenterCrop",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Convolution1D",
    "Convolution2D",
    "Convolution2DTranspose",
    "Cropping2D",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Embedding",
    "Flatten",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Lambda",
    "Layer",
    "LeakyReLU",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "Normalization",
    "PReLU",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Resizing",
    "SeparableConv2D",
    "SeparableConvolution2D",
    "SimpleRNN",
    "Softmax",
    "SpatialDropout2D",
    "Subtract",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
