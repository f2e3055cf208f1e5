#include "gguf_writer/synthetic_corpus.h"

namespace smollm::tools {

const char* const kSyntheticCorpus =
    "The quick brown fox jumps over the lazy dog. A small language model runs in the browser, "
    "on the processor of the computer that opened the page, without a server doing the work. "
    "It reads the weights of the model from a file, then it turns the text into tokens, and "
    "the tokens into numbers that the model can use. The model predicts the next token, one at "
    "a time, and the program turns those tokens back into text that the reader can see. "
    "When the model is small, the answers come quickly, and the whole thing fits in memory. "
    "People like to write programs that are simple to read and easy to change. They test the "
    "programs often, and they compare the results with another program that they trust. "
    "Good tests make it safe to change the code, because a mistake shows up at once. "
    "The weather was warm and the river was quiet in the morning. Children were playing near "
    "the water while their parents talked about the garden, the market and the long summer. "
    "Every evening the old teacher walked along the road to the station, where the trains "
    "arrived from the north and the south, bringing letters, newspapers and travelling friends. "
    "In the kitchen there was bread on the table, and the smell of coffee filled the house. "
    "Learning is a slow process, but those who keep going find that practice changes everything. "
    "The function returns the value of the variable, and the caller checks whether the result "
    "is correct before it continues with the next step of the calculation. "
    "This is the story of a town that was built between the mountains and the sea, where the "
    "wind was strong in winter and the light was bright in spring. The people there were "
    "fishermen, farmers, builders and writers, and they shared what they had with each other. "
    "There is nothing more important than understanding what you are doing and why you do it. "
    "Information travels through the network in packets, and the receiving computer puts them "
    "together again in the right order, asking for any that were lost on the way. ";

}  // namespace smollm::tools
