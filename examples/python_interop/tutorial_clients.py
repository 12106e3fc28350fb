"""The tutorials' clients, written again in their style, to call the examples'
servers: python3 tutorial_clients.py EXAMPLE HOST:PORT [ARG...]"""

import pprint
import sys

import grpc

from tutorial_stubs import messages, stub


def say(text):
    """print(text), in one write: RouteChat prints from two threads, and print
    writes a line's text and its newline apart, so that the other thread's
    text could fall between them."""
    sys.stdout.write(text + "\n")


def greeter(target):
    pb2 = messages("greeter", "helloworld.proto")
    with grpc.insecure_channel(target) as channel:
        greeter_stub = stub(pb2, "Greeter", channel)
        response = greeter_stub.SayHello(pb2.HelloRequest(name="czl"))
        print("Greeter client received: " + response.message)
        response = greeter_stub.SayHelloAgain(pb2.HelloRequest(name="daydaygo"))
        print("Greeter client received: " + response.message)


def calculator(target, n=100, m=300):
    pb2 = messages("calculator", "SimpleCal.proto")
    with grpc.insecure_channel(target) as channel:
        cal = stub(pb2, "Cal", channel)
        response = cal.Add(pb2.AddRequest(number1=n, number2=m))
        print(f"{n} + {m} = {response.number}")
        response = cal.Multiply(pb2.MultiplyRequest(number1=n, number2=m))
        print(f"{n} * {m} = {response.number}")


def routeguide(target, *route):
    """The route is given as LATITUDE,LONGITUDE arguments rather than drawn at random."""
    pb2 = messages("routeguide", "route_guide.proto")

    def get_one_feature(guide, point):
        feature = guide.GetFeature(point)
        if not feature.location:
            print("Server returned incomplete feature")
            return
        if feature.name:
            print("Feature called %s at %s" % (feature.name, feature.location))
        else:
            print("Found no feature at %s" % feature.location)

    def generate_route():
        for text in route:
            latitude, longitude = map(int, text.split(","))
            point = pb2.Point(latitude=latitude, longitude=longitude)
            print("Visiting point %s" % point)
            yield point

    def note(message, latitude, longitude):
        return pb2.RouteNote(
            message=message, location=pb2.Point(latitude=latitude, longitude=longitude))

    def generate_messages():
        for msg in [
            note("First message", 0, 0),
            note("Second message", 0, 1),
            note("Third message", 1, 0),
            note("Fourth message", 0, 0),
            note("Fifth message", 1, 0),
        ]:
            say("Sending %s at %s" % (msg.message, msg.location))
            yield msg

    with grpc.insecure_channel(target) as channel:
        guide = stub(pb2, "RouteGuide", channel)
        print("-------------- GetFeature --------------")
        get_one_feature(guide, pb2.Point(latitude=409146138, longitude=-746188906))
        get_one_feature(guide, pb2.Point(latitude=0, longitude=0))
        print("-------------- ListFeatures --------------")
        rectangle = pb2.Rectangle(
            lo=pb2.Point(latitude=400000000, longitude=-750000000),
            hi=pb2.Point(latitude=420000000, longitude=-730000000))
        print("Looking for features between 40, -75 and 42, -73")
        for feature in guide.ListFeatures(rectangle):
            print("Feature called %s at %s" % (feature.name, feature.location))
        print("-------------- RecordRoute --------------")
        summary = guide.RecordRoute(generate_route())
        print("Finished trip with %s points " % summary.point_count)
        print("Passed %s features " % summary.feature_count)
        print("Travelled %s meters " % summary.distance)
        print("It took %s seconds " % summary.elapsed_time)
        print("-------------- RouteChat --------------")
        for response in guide.RouteChat(generate_messages()):
            say("Received message %s at %s" % (response.message, response.location))


def position(target):
    """One poll, without the tutorial's one-second wait."""
    pb2 = messages("position", "position.proto")
    print("Open position client channel: {0}".format(target))
    with grpc.insecure_channel(target) as channel:
        positions = stub(pb2, "PositionService", channel)
        res = positions.PositionReq(pb2.Msg(status=0, msg="request pos"))
        if res.status == 0:
            print("PositionRes {0}, {1}, x:{2}, y:{3}, z:{4}".format(
                res.status, res.msg, res.position.x, res.position.y, res.position.z))
            print("{0}, {1}, {2}".format(res.position.x, res.position.y, res.position.z))
        else:
            print("Position Response Error")


def user_count(target):
    pb2 = messages("user_manager", "user.proto")

    def create_data():
        for user_id in [1, 2, 3]:
            print("user_id = " + str(user_id))
            yield pb2.UserRequest(id=user_id)

    print("call client streaming!!")
    with grpc.insecure_channel(target) as channel:
        response = stub(pb2, "UserManager", channel).get_client_stream(create_data())
        pprint.pprint(response)


def user_chat(target, *lines):
    """The chat, with the lines given as arguments rather than typed."""
    pb2 = messages("user_manager", "user.proto")
    with grpc.insecure_channel(target) as channel:
        users = stub(pb2, "UserManager", channel)
        print("--- Input your message -------")
        for id, msg in enumerate(lines, start=1):
            responses = users.connect_chat(iter([pb2.ChatMessage(id=id, message=msg)]))
            for res in responses:
                print("Received message [id={}, msg={}]".format(res.id, res.message))


def contact(target, tasks):
    """The status, then the first `tasks` tasks, one after the other."""
    pb2 = messages("contact", "contact.proto")
    count = int(tasks)
    with grpc.insecure_channel(target) as channel:
        contact_stub = stub(pb2, "Contact", channel)
        status = [pb2.ClientMsg(msg="data: 7"), pb2.ClientMsg(msg="data: 12")]
        for ret in contact_stub.sendStatus(iter(status)):
            print(ret.ret)

        def get_task():
            for received, task in enumerate(contact_stub.getTask(pb2.Empty()), start=1):
                print(f"client received task from the server: {task.task}")
                yield pb2.Result(ret=f"client received task: {task.task}")
                if received == count:
                    return

        contact_stub.tellResult(get_task())


if __name__ == "__main__":
    example, target, *args = sys.argv[1:]
    globals()[example](target, *args)
